package dev.edgesplit.edge.generate;

import dev.edgesplit.edge.error.InvalidRequestException;
import dev.edgesplit.edge.error.PromptTooLongException;
import dev.edgesplit.edge.error.TextPromptUnsupportedException;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.TokenizerException;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.SamplingParams;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks a Generate request and tokenizes its prompt, before any model work. Thread-safe. */
public final class RequestValidator {

  static final int MAX_STOP_STRINGS = 16;
  static final int MAX_STOP_BYTES = 256;

  /**
   * A text prompt longer than this many characters per context position cannot fit: refuse before
   * tokenizing.
   */
  private static final int MAX_CHARS_PER_POSITION = 64;

  private final Tokenizer tokenizer;
  private final int maxPromptTokens;
  private final int maxNewTokens;

  public RequestValidator(Tokenizer tokenizer) {
    this(tokenizer, 0, 0);
  }

  /**
   * @param maxPromptTokens operator limit on prompt tokens, 0 = the context only
   * @param maxNewTokens operator limit on generated tokens per call, 0 = the context only; a
   *     request with max_new_tokens 0 ("up to the context") is capped to it
   */
  public RequestValidator(Tokenizer tokenizer, int maxPromptTokens, int maxNewTokens) {
    if (maxPromptTokens < 0 || maxNewTokens < 0) {
      throw new IllegalArgumentException("limits must be >= 0");
    }
    this.tokenizer = tokenizer;
    this.maxPromptTokens = maxPromptTokens;
    this.maxNewTokens = maxNewTokens;
  }

  /**
   * @param context positions available to a session (the smaller of the edge's and the worker's)
   * @throws InvalidRequestException malformed request (INVALID_ARGUMENT)
   * @throws InvalidRequestException also max_new_tokens beyond {@code limits.max_new_tokens}
   * @throws PromptTooLongException prompt or prompt + max_new_tokens beyond the context, or a
   *     prompt beyond {@code limits.max_prompt_tokens} (OUT_OF_RANGE)
   * @throws TextPromptUnsupportedException a text prompt for a tokenizer that cannot encode text
   *     (FAILED_PRECONDITION)
   */
  public ValidRequest validate(GenerateRequest request, int context) {
    SamplingParams sampling = sampling(request);
    List<String> stops = stops(request);
    int[] prompt = prompt(request, context);
    if (prompt.length >= context) {
      throw new PromptTooLongException(
          "prompt has "
              + prompt.length
              + " tokens; the context holds "
              + context
              + " positions, leaving none to generate");
    }
    // Per-request limits refuse for good (a retry cannot pass them), so they are not
    // RESOURCE_EXHAUSTED: HTTP clients retry that status (429) on their own.
    if (maxPromptTokens > 0 && prompt.length > maxPromptTokens) {
      throw new PromptTooLongException(
          "prompt has "
              + prompt.length
              + " tokens; this edge agent accepts at most "
              + maxPromptTokens
              + " (limits.max_prompt_tokens)");
    }
    long maxNew = Integer.toUnsignedLong(request.getMaxNewTokens());
    if (maxNewTokens > 0 && maxNew > maxNewTokens) {
      throw new InvalidRequestException(
          "max_new_tokens "
              + maxNew
              + " exceeds this edge agent's limit of "
              + maxNewTokens
              + " (limits.max_new_tokens)");
    }
    if (maxNew == 0) {
      maxNew = context - prompt.length;
      if (maxNewTokens > 0) {
        maxNew = Math.min(maxNew, maxNewTokens);
      }
    }
    if (prompt.length + maxNew > context) {
      throw new PromptTooLongException(
          "prompt of "
              + prompt.length
              + " tokens + max_new_tokens "
              + maxNew
              + " exceeds the context of "
              + context
              + " positions");
    }
    return new ValidRequest(prompt, (int) maxNew, sampling, stops, stopTokens(request));
  }

  private int[] prompt(GenerateRequest request, int context) {
    switch (request.getPromptCase()) {
      case TEXT:
        {
          String text = request.getText();
          if (text.isEmpty()) {
            throw new InvalidRequestException("prompt text is empty");
          }
          long positions = maxPromptTokens > 0 ? Math.min(context, maxPromptTokens) : context;
          if ((long) text.length() > positions * MAX_CHARS_PER_POSITION) {
            if (positions < context) {
              throw new PromptTooLongException(
                  "prompt of "
                      + text.length()
                      + " characters cannot fit this edge "
                      + "agent's limit of "
                      + maxPromptTokens
                      + " tokens (limits.max_prompt_tokens)");
            }
            throw new PromptTooLongException(
                "prompt of "
                    + text.length()
                    + " characters cannot fit a context of "
                    + context
                    + " positions");
          }
          try {
            return tokenizer.encode(text, true);
          } catch (TokenizerException e) {
            throw new TextPromptUnsupportedException(
                "this model's tokenizer cannot encode text ("
                    + e.getMessage()
                    + "); send the prompt as token_ids",
                e);
          }
        }
      case TOKEN_IDS:
        {
          List<Integer> ids = request.getTokenIds().getIdsList();
          if (ids.isEmpty()) {
            throw new InvalidRequestException("prompt token_ids is empty");
          }
          if (ids.size() >= context) {
            throw new PromptTooLongException(
                "prompt has "
                    + ids.size()
                    + " tokens; the context holds "
                    + context
                    + " positions, leaving none to generate");
          }
          int[] out = new int[ids.size()];
          for (int i = 0; i < out.length; i++) {
            long id = Integer.toUnsignedLong(ids.get(i));
            if (id >= tokenizer.vocabSize()) {
              throw new InvalidRequestException(
                  "prompt token "
                      + i
                      + " has id "
                      + id
                      + ", outside the vocabulary of "
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
      throw new InvalidRequestException(
          "temperature must be finite and >= 0, got " + p.getTemperature());
    }
    if (!(p.getTopP() >= 0 && p.getTopP() <= 1)) {
      throw new InvalidRequestException(
          "top_p must be in (0, 1] (0 = disabled), got " + p.getTopP());
    }
    if (p.getTopK() < 0) {
      throw new InvalidRequestException(
          "top_k " + Integer.toUnsignedString(p.getTopK()) + " is too large");
    }
    return p.getTopP() == 0f ? p.toBuilder().setTopP(1f).build() : p;
  }

  private Set<Integer> stopTokens(GenerateRequest request) {
    if (request.getStopTokenIdsCount() > MAX_STOP_STRINGS) {
      throw new InvalidRequestException(
          "at most " + MAX_STOP_STRINGS + " stop_token_ids, got " + request.getStopTokenIdsCount());
    }
    Set<Integer> ids = new HashSet<>();
    for (int id : request.getStopTokenIdsList()) {
      if (Integer.toUnsignedLong(id) >= tokenizer.vocabSize()) {
        throw new InvalidRequestException(
            "stop token id "
                + Integer.toUnsignedString(id)
                + " is outside the vocabulary of "
                + tokenizer.vocabSize());
      }
      ids.add(id);
    }
    return ids;
  }

  private static List<String> stops(GenerateRequest request) {
    if (request.getStopCount() > MAX_STOP_STRINGS) {
      throw new InvalidRequestException(
          "at most " + MAX_STOP_STRINGS + " stop strings, got " + request.getStopCount());
    }
    List<String> stops = new ArrayList<>();
    for (String s : request.getStopList()) {
      if (s.getBytes(StandardCharsets.UTF_8).length > MAX_STOP_BYTES) {
        throw new InvalidRequestException(
            "stop strings are limited to " + MAX_STOP_BYTES + " bytes");
      }
      if (!s.isEmpty()) {
        stops.add(s);
      }
    }
    return stops;
  }
}
