package dev.edgesplit.cloud.speculate;

import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.ComputeState;
import dev.edgesplit.cloud.compute.TokenChoice;
import dev.edgesplit.cloud.compute.TokenSampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Verifies one speculative window: row 0 holds the hidden state of the last sampled token, rows
 * 1..n those of the n draft tokens. The rows run one position at a time, exactly as n + 1 decode
 * frames would, and the run stops at the first draft that differs from the session's own token at
 * its position (draws keyed on seed and position); so the output equals one token per round trip
 * bit for bit, greedy or sampled (the draft distributions an edge may send are not needed),
 * rejected rows never enter the KV cache (nothing to roll back here), and a batching compute
 * batches each position with the other sessions' steps.
 */
public final class WindowVerifier {

  /** Most draft tokens one window may carry on this worker (before the frame-size limit). */
  public static final int MAX_WINDOW_DRAFTS = 32;

  private WindowVerifier() {}

  /**
   * @param hidden rows {@code [n + 1, dim]}, validated
   * @return the accepted drafts followed by the sampler's own token (1 to n + 1 choices); the state
   *     advanced by as many positions
   */
  public static List<TokenChoice> verify(
      CloudCompute compute,
      ComputeState state,
      TokenSampler sampler,
      float[] hidden,
      int[] drafts) {
    int dim = compute.info().dim();
    List<TokenChoice> out = new ArrayList<>(drafts.length + 1);
    for (int row = 0; row <= drafts.length; row++) {
      float[] logits =
          compute.forward(state, Arrays.copyOfRange(hidden, row * dim, (row + 1) * dim), 1);
      // The token chosen here stands at the position the state has just reached.
      int position = state.position();
      if (row == drafts.length) {
        out.add(sampler.sample(logits, position));
        break;
      }
      TokenChoice choice = sampler.judge(logits, position);
      out.add(choice);
      if (choice.token() != drafts[row]) {
        break;
      }
    }
    return out;
  }
}
