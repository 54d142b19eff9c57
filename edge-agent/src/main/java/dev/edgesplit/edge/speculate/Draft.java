package dev.edgesplit.edge.speculate;

import dev.edgesplit.engine.sampling.DraftDistribution;

/**
 * Tokens a drafter guesses will follow the last sampled token.
 *
 * @param tokens the draft tokens, n >= 0
 * @param q one distribution per token when they were sampled, null when chosen deterministically
 * @param hidden the edge's hidden states of the last token and the n drafts {@code [n + 1, dim]}
 *     when drafting already computed them (the edge state then holds them), else null
 */
public record Draft(int[] tokens, DraftDistribution[] q, float[] hidden) {

  public static final Draft EMPTY = new Draft(new int[0], null, null);

  public Draft {
    if (q != null && q.length != tokens.length) {
      throw new IllegalArgumentException(
          q.length + " draft distributions for " + tokens.length + " tokens");
    }
  }

  public int size() {
    return tokens.length;
  }
}
