package dev.edgesplit.edge.generate;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SpeculativeAcceptance;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SamplingParams;
import java.util.Arrays;

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
      token = sampler.sample(logits, state.position());
      logprob = logprobs ? sampler.logprob(logits, token) : 0f;
    }
  }

  /**
   * Verifies a speculative window the worker ran: {@code hidden} holds h_returnCut of the last
   * token and of the drafts, {@code [drafts.length + 1, dim]}. Runs the tail over the rows one
   * position at a time (as that many decode steps would) and judges each draft with the rule a
   * worker holding the head uses ({@link SpeculativeAcceptance}: a draft is kept exactly when it is
   * the tail's own token at its position), stopping at the first rejection, so the tail's KV cache
   * ends right after the tokens kept.
   *
   * @return the accepted drafts followed by one token of the tail's own (1 to n + 1 tokens)
   */
  StepTokens verify(HiddenTensor hidden, int[] drafts) {
    int dim = chain.config().dim();
    int rows = drafts.length + 1;
    float[] h = HiddenCodec.decode(hidden, dim, rows);
    if (h.length != rows * dim) {
      throw new IllegalArgumentException(
          "worker sent " + h.length / dim + " rows back for a window of " + rows);
    }
    int[] tokens = new int[rows];
    float[] logprob = logprobs ? new float[rows] : null;
    int kept = 0;
    while (kept < rows) {
      float[] logits =
          chain.forwardHidden(state, Arrays.copyOfRange(h, kept * dim, (kept + 1) * dim), 1);
      // The token chosen here stands at the position the tail's state has just reached.
      int t =
          kept == drafts.length
              ? sampler.sample(logits, state.position())
              : SpeculativeAcceptance.judge(sampler, logits, state.position());
      tokens[kept] = t;
      if (logprobs) {
        logprob[kept] = sampler.logprob(logits, t);
      }
      kept++;
      if (kept <= drafts.length && t != drafts[kept - 1]) {
        break;
      }
    }
    token = tokens[kept - 1];
    return new StepTokens(
        Arrays.copyOf(tokens, kept), logprobs ? Arrays.copyOf(logprob, kept) : null);
  }

  /** Positions the tail's KV cache holds. */
  int position() {
    return state.position();
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
