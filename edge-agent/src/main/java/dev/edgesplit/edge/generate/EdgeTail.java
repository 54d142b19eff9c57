package dev.edgesplit.edge.generate;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SamplingParams;

/**
 * The board's end of a U-shaped split for one generation: layers {@code [returnCut, N)}, the final
 * norm, the LM head and sampling, fed with the hidden states the worker sends back. The worker
 * never sees a token id, a logit or text. Used by one generation thread; close it to free its KV
 * cache.
 */
final class EdgeTail implements AutoCloseable {

  private final SegmentChain chain;
  private final ChainState state;
  private final Sampler sampler;
  private final boolean logprobs;
  private int token = -1;
  private float logprob;

  /**
   * @param chain layers [returnCut, N) + norm + LM head (hidden states in, logits out), shared by
   *     generations
   */
  EdgeTail(SegmentChain chain, SamplingParams sampling) {
    if (chain.takesTokens() || !chain.emitsLogits()) {
      throw new IllegalArgumentException(
          "an edge tail takes hidden states and ends with the LM head");
    }
    this.chain = chain;
    this.logprobs = sampling.getLogprobs();
    this.sampler =
        new Sampler(
            new dev.edgesplit.engine.sampling.SamplingParams(
                sampling.getTemperature(),
                sampling.getTopK(),
                sampling.getTopP() == 0 ? 1f : sampling.getTopP(),
                sampling.getSeed(),
                logprobs),
            chain.config().vocabSize());
    this.state = chain.newState();
  }

  /** The layer the tail starts at: the worker runs [cut, returnCut). */
  int returnCut() {
    return chain.firstLayer();
  }

  /**
   * Runs the worker's hidden states {@code h_returnCut} of {@code rows} positions through the tail,
   * and samples the next token when {@code sample} (the last prompt chunk and every decode step).
   */
  void accept(HiddenTensor hidden, int rows, boolean sample) {
    float[] h = HiddenCodec.decode(hidden, chain.config().dim(), rows);
    if (h.length != rows * chain.config().dim()) {
      throw new IllegalArgumentException(
          "worker sent " + h.length / chain.config().dim() + " rows back for a frame of " + rows);
    }
    float[] logits = chain.forwardHidden(state, h, rows);
    if (sample) {
      token = sampler.sample(logits);
      logprob = logprobs ? sampler.logprob(logits, token) : 0f;
    }
  }

  /** The token sampled by the last {@link #accept} that sampled. */
  int token() {
    return token;
  }

  boolean hasLogprob() {
    return logprobs;
  }

  float logprob() {
    return logprob;
  }

  @Override
  public void close() {
    state.close();
  }
}
