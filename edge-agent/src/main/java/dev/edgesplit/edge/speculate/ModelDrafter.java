package dev.edgesplit.edge.speculate;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SamplingParams;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import java.nio.FloatBuffer;

/**
 * Drafts with a small model of the same vocabulary run whole on the board (embedding, every layer,
 * LM head): the same sampling as the target (greedy, or the request's temperature, top-k and top-p)
 * with the request's own seed, so the draft at a position is drawn with the very noise the worker's
 * sampler uses there: where the two models agree closely, so do their draws (see {@link
 * dev.edgesplit.engine.sampling.SpeculativeAcceptance}), and a draft depends only on the seed, its
 * position and the text before it. Its KV cache follows the generation: before each draft it keeps
 * the longest prefix it has already run that the history still agrees with and runs the rest.
 */
final class ModelDrafter implements Drafter {

  private final SegmentChain chain;
  private final ChainState state;
  private final Sampler sampler;
  private final int[] fed; // token at each position the draft's KV cache holds

  ModelDrafter(SegmentChain chain, SamplingParams sampling) {
    if (!chain.takesTokens() || !chain.emitsLogits()) {
      throw new IllegalArgumentException("a draft model runs whole: token ids in, logits out");
    }
    this.chain = chain;
    this.state = chain.newState();
    this.sampler = new Sampler(sampling, chain.config().vocabSize());
    this.fed = new int[chain.maxContext()];
  }

  @Override
  public Draft propose(TokenHistory history, int max) {
    int n = history.size();
    max = Math.min(max, chain.maxContext() - n);
    if (max < 1) {
      return Draft.EMPTY;
    }
    int common = 0;
    int limit =
        Math.min(
            state.position(),
            n - 1); // at least the last token runs now: its logits draft the first
    while (common < limit && fed[common] == history.get(common)) {
      common++;
    }
    state.rewind(common);
    int[] rest = history.range(common, n);
    float[] logits = chain.forwardTokens(state, rest);
    System.arraycopy(rest, 0, fed, common, rest.length);
    int[] tokens = new int[max];
    for (int i = 0; i < max; i++) {
      tokens[i] = sampler.sample(logits, n + i); // the draft's absolute position
      if (i + 1 < max) {
        fed[state.position()] = tokens[i];
        FloatBuffer next = chain.decodeToken(state, tokens[i]);
        if (logits.length != next.remaining()) {
          logits = new float[next.remaining()];
        }
        next.get(logits);
      }
    }
    return new Draft(tokens, null, null);
  }

  @Override
  public void close() {
    state.close();
  }
}
