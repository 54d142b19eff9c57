package dev.edgesplit.edge.generate;

import dev.edgesplit.edge.error.InvalidRequestException;
import dev.edgesplit.edge.error.PromptTooLongException;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.SamplingParams;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a Generate request and tokenizes its prompt, before any model work. Thread-safe.
 */
public final class RequestValidator {

  static final int MAX_STOP_STRINGS = 16;
  static final int MAX_STOP_BYTES = 256;
  /** A text prompt longer than this many characters per context position cannot fit: refuse before tokenizing. */
  private static final int MAX_CHARS_PER_POSITION = 64;

  private final Tokenizer tokenizer;

  public RequestValidator(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /**
   * @param context positions available to a session (the smaller of the edge's and the worker's)
   * @throws InvalidRequestException malformed request (INVALID_ARGUMENT)
   * @throws PromptTooLongException  prompt or prompt + max_new_tokens beyond the context (OUT_OF_RANGE)
   */
  public ValidRequest validate(GenerateRequest request, int context) {
    SamplingParams sampling = sampling(request);
    List<String> stops = stops(request);
    int[] prompt = prompt(request, context);
    if (prompt.length >= context) {
      throw new PromptTooLongException("prompt has " + prompt.length + " tokens; the context holds " + context
          + " positions, leaving none to generate");
    }
    long maxNew = Integer.toUnsignedLong(request.getMaxNewTokens());
    if (maxNew == 0) {
      maxNew = context - prompt.length;
    }
    if (prompt.length + maxNew > context) {
      throw new PromptTooLongException("prompt of " + prompt.length + " tokens + max_new_tokens " + maxNew
          + " exceeds the context of " + context + " positions");
    }
    return new ValidRequest(prompt, (int) maxNew, sampling, stops);
  }

  private int[] prompt(GenerateRequest request, int context) {
    switch (request.getPromptCase()) {
      case TEXT: {
        String text = request.getText();
        if (text.isEmpty()) {
          throw new InvalidRequestException("prompt text is empty");
        }
        if ((long) text.length() > (long) context * MAX_CHARS_PER_POSITION) {
          throw new PromptTooLongException("prompt of " + text.length() + " characters cannot fit a context of "
              + context + " positions");
        }
        return tokenizer.encode(text, true);
      }
      case TOKEN_IDS: {
        List<Integer> ids = request.getTokenIds().getIdsList();
        if (ids.isEmpty()) {
          throw new InvalidRequestException("prompt token_ids is empty");
        }
        if (ids.size() >= context) {
          throw new PromptTooLongException("prompt has " + ids.size() + " tokens; the context holds " + context
              + " positions, leaving none to generate");
        }
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
          long id = Integer.toUnsignedLong(ids.get(i));
          if (id >= tokenizer.vocabSize()) {
            throw new InvalidRequestException("prompt token " + i + " has id " + id + ", outside the vocabulary of "
                + tokenizer.vocabSize());
          }
          out[i] = (int) id;
        }
        return out;
      }
      default:
        throw new InvalidRequestException("request has no prompt: set text or token_ids");
    }
  }

  private static SamplingParams sampling(GenerateRequest request) {
    SamplingParams p = request.getSampling();
    if (!(p.getTemperature() >= 0) || Float.isInfinite(p.getTemperature())) {
      throw new InvalidRequestException("temperature must be finite and >= 0, got " + p.getTemperature());
    }
    if (!(p.getTopP() >= 0 && p.getTopP() <= 1)) {
      throw new InvalidRequestException("top_p must be in (0, 1] (0 = disabled), got " + p.getTopP());
    }
    if (p.getTopK() < 0) {
      throw new InvalidRequestException("top_k " + Integer.toUnsignedString(p.getTopK()) + " is too large");
    }
    return p.getTopP() == 0f ? p.toBuilder().setTopP(1f).build() : p;
  }

  private static List<String> stops(GenerateRequest request) {
    if (request.getStopCount() > MAX_STOP_STRINGS) {
      throw new InvalidRequestException("at most " + MAX_STOP_STRINGS + " stop strings, got " + request.getStopCount());
    }
    List<String> stops = new ArrayList<>();
    for (String s : request.getStopList()) {
      if (s.getBytes(StandardCharsets.UTF_8).length > MAX_STOP_BYTES) {
        throw new InvalidRequestException("stop strings are limited to " + MAX_STOP_BYTES + " bytes");
      }
      if (!s.isEmpty()) {
        stops.add(s);
      }
    }
    return stops;
  }
}
