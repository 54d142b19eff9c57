package dev.edgesplit.engine.generate;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import java.util.function.BooleanSupplier;

/**
 * Generates text with an edge chain and a cloud chain in one process: the split computed without a
 * link. This is what {@code ./edgesplit run} does, and the in-process baseline of the benchmarks.
 * With a tail chain it is the U-shaped split: the cloud chain runs {@code [k,m)} and hands its
 * hidden states to the tail, {@code [m,N)} + head. Thread-safe: every call has its own KV caches.
 */
public final class LocalGenerator {

  private final SegmentChain edge;
  private final SegmentChain cloud;
  private final SegmentChain tail; // null in the plain split
  private final Tokenizer tokenizer;

  /** Neither chain is closed by this class. */
  public LocalGenerator(SegmentChain edge, SegmentChain cloud, Tokenizer tokenizer) {
    if (!edge.takesTokens() || !cloud.emitsLogits() || edge.endLayer() != cloud.firstLayer()) {
      throw new IllegalArgumentException("edge must run embedding + [0,k) and cloud [k,N) + head");
    }
    this.edge = edge;
    this.cloud = cloud;
    this.tail = null;
    this.tokenizer = tokenizer;
  }

  /**
   * The U-shaped split: {@code edge} runs embedding + {@code [0,k)}, {@code cloud} {@code [k,m)}
   * without the head, {@code tail} {@code [m,N)} + head. No chain is closed by this class.
   */
  public LocalGenerator(
      SegmentChain edge, SegmentChain cloud, SegmentChain tail, Tokenizer tokenizer) {
    if (!edge.takesTokens()
        || cloud.emitsLogits()
        || !tail.emitsLogits()
        || edge.endLayer() != cloud.firstLayer()
        || cloud.endLayer() != tail.firstLayer()) {
      throw new IllegalArgumentException(
          "edge must run embedding + [0,k), cloud [k,m) and tail [m,N) + head");
    }
    this.edge = edge;
    this.cloud = cloud;
    this.tail = tail;
    this.tokenizer = tokenizer;
  }

  public GenerationResult generate(GenerationRequest request, TokenListener listener) {
    return generate(request, listener, () -> false);
  }

  public GenerationResult generate(
      GenerationRequest request, TokenListener listener, BooleanSupplier cancelled) {
    long start = System.nanoTime();
    int[] prompt = tokenizer.encode(request.prompt(), true);
    int context = Math.min(edge.maxContext(), cloud.maxContext());
    if (tail != null) {
      context = Math.min(context, tail.maxContext());
    }
    if (prompt.length >= context) {
      throw new IllegalArgumentException(
          "prompt of " + prompt.length + " tokens does not fit the context of " + context);
    }
    Sampler sampler = new Sampler(request.sampling(), edge.config().vocabSize());
    StopWatcher stops = new StopWatcher(request.stop());
    StringBuilder text = new StringBuilder(request.prompt());
    Tokenizer.StreamDecoder decoder = tokenizer.newDecoder();
    decoder.next(prompt[0]);
    for (int i = 1; i < prompt.length; i++) {
      decoder.next(prompt[i]);
    }
    long firstToken = 0;
    int generated = 0;
    FinishReason reason = FinishReason.LENGTH;
    try (ChainState edgeState = edge.newState();
        ChainState cloudState = cloud.newState();
        ChainState tailState = tail == null ? null : tail.newState()) {
      int[] input = prompt;
      while (true) {
        if (cancelled.getAsBoolean()) {
          reason = FinishReason.CANCELLED;
          break;
        }
        float[] hidden = edge.forwardTokens(edgeState, input);
        float[] cloudOut = cloud.forwardHidden(cloudState, hidden, input.length);
        float[] logits =
            tail == null ? cloudOut : tail.forwardHidden(tailState, cloudOut, input.length);
        // Every chain has advanced past the same positions: the draw is keyed on that count.
        int next = sampler.sample(logits, cloudState.position());
        if (firstToken == 0) {
          firstToken = System.nanoTime() - start;
        }
        if (next == tokenizer.eos() || next == tokenizer.bos()) {
          reason = FinishReason.END_OF_TEXT;
          break;
        }
        generated++;
        String piece = decoder.next(next);
        text.append(piece);
        listener.onToken(
            next, piece, request.sampling().logprobs() ? sampler.logprob(logits, next) : Float.NaN);
        if (stops.matches(text, piece.length())) {
          reason = FinishReason.STOP_STRING;
          break;
        }
        if (generated >= request.maxNewTokens()) {
          reason = FinishReason.LENGTH;
          break;
        }
        if (edgeState.position() + 1 > context) {
          reason = FinishReason.CONTEXT_FULL;
          break;
        }
        input = new int[] {next};
      }
    }
    text.append(decoder.flush());
    return new GenerationResult(
        text.toString(), prompt.length, generated, reason, firstToken, System.nanoTime() - start);
  }
}
