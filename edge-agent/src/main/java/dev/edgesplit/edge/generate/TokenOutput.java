package dev.edgesplit.edge.generate;

import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.FinishReason;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.TokenEvent;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * Streams a generation's tokens to its client, in order, and says when the generation is done: end
 * of sequence or a stop token, a stop string in the text, or the token budget. Waits for the
 * client's flow control before each token. Used by the generation's thread only.
 */
final class TokenOutput {

  private final ValidRequest request;
  private final Tokenizer tokenizer;
  private final ServerCallStreamObserver<GenerateResponse> out;
  private final OutputGate gate;
  private final Tokenizer.StreamDecoder decoder;
  private final StringBuilder text = new StringBuilder();
  private int generated;
  private long firstTokenNanos;

  TokenOutput(
      ValidRequest request,
      Tokenizer tokenizer,
      ServerCallStreamObserver<GenerateResponse> out,
      OutputGate gate) {
    this.request = request;
    this.tokenizer = tokenizer;
    this.out = out;
    this.gate = gate;
    int[] prompt = request.prompt();
    this.decoder = tokenizer.newDecoder(prompt[prompt.length - 1]);
  }

  /**
   * Streams {@code step}'s tokens until one ends the generation.
   *
   * @return why the generation ends, or null when it goes on
   */
  FinishReason emit(StepTokens step, Context context) throws InterruptedException {
    for (int i = 0; i < step.size(); i++) {
      int token = step.tokens()[i];
      if (token == tokenizer.eos()
          || token == tokenizer.bos()
          || request.stopTokens().contains(token)) {
        return FinishReason.FINISH_REASON_EOS;
      }
      String piece = decoder.next(token);
      int before = text.length();
      text.append(piece);
      Generation.checkAlive(context);
      gate.awaitReady(context);
      Generation.checkAlive(context);
      TokenEvent.Builder event =
          TokenEvent.newBuilder().setTokenId(token).setText(piece).setIndex(generated);
      if (step.logprobs() != null) {
        event.setLogprob(step.logprobs()[i]);
      }
      out.onNext(GenerateResponse.newBuilder().setToken(event).build());
      if (generated++ == 0) {
        firstTokenNanos = System.nanoTime();
      }
      if (hitStop(before)) {
        return FinishReason.FINISH_REASON_STOP_STRING;
      }
      if (generated >= request.maxNewTokens()) {
        return FinishReason.FINISH_REASON_MAX_TOKENS;
      }
    }
    return null;
  }

  /** Tokens streamed so far. */
  int generated() {
    return generated;
  }

  /** When the first token went out ({@link System#nanoTime}); 0 before. */
  long firstTokenNanos() {
    return firstTokenNanos;
  }

  private boolean hitStop(int before) {
    for (String stop : request.stops()) {
      int from = Math.max(0, before - stop.length() + 1);
      if (text.indexOf(stop, from) >= 0) {
        return true;
      }
    }
    return false;
  }
}
