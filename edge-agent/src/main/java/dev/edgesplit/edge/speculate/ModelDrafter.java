package dev.edgesplit.edge.speculate;

import dev.edgesplit.engine.sampling.DraftDistribution;
import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SamplingParams;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import java.nio.FloatBuffer;

/**
 * Drafts with a small model of the same vocabulary run whole on the board (embedding, every layer,
 * LM head): the same sampling as the target (greedy, or the request's temperature, top-k and top-p
 * with its own seeded stream, sending q so the worker can apply the speculative-sampling rule). Its
 * KV cache follows the generation: before each draft it keeps the longest prefix it has already run
 * that the history still agrees with and runs the rest.
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
    // Its own stream: the worker's sampler must not see draws it did not make.
    this.sampler =
        new Sampler(
            new SamplingParams(
                sampling.temperature(),
                sampling.topK(),
                sampling.topP(),
                sampling.seed() ^ 0x5DEECE66DL),
            chain.config().vocabSize());
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
    DraftDistribution[] q = sampler.params().greedy() ? null : new DraftDistribution[max];
    for (int i = 0; i < max; i++) {
      if (q == null) {
        tokens[i] = Sampler.argmax(logits);
      } else {
        double[] p = sampler.probabilities(logits);
        tokens[i] = sampler.draw(p);
        q[i] = DraftDistribution.ofDense(p);
      }
      if (i + 1 < max) {
        fed[state.position()] = tokens[i];
        FloatBuffer next = chain.decodeToken(state, tokens[i]);
        if (logits.length != next.remaining()) {
          logits = new float[next.remaining()];
        }
        next.get(logits);
      }
    }
    return new Draft(tokens, q, null);
  }

  @Override
  public void close() {
    state.close();
  }
}
