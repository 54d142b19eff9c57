package dev.edgesplit.engine.sampling;

/**
 * The acceptance rule for speculative decoding with position-keyed draws: the target draws its own
 * token at the draft's position exactly as one token per step would ({@link Sampler#sample}, keyed
 * on seed and position), and the draft is accepted exactly when it is that token. Every token that
 * comes out is therefore the target's own sample: the output has the target's distribution, and
 * under a seed it is the very text of one token per step, whatever the window sizes and the draft
 * source.
 *
 * <p>Against the rule of Leviathan et al. (2023) (keep x with probability min(1, p(x)/q(x)), else
 * draw from max(0, p - q)): a deterministic draft (greedy, prompt lookup, early exit) is accepted
 * with the same probability p(x) both ways. A sampled draft is accepted with probability at least
 * (1 - TV) / (1 + TV) instead of 1 - TV (TV the total variation distance of p and q), when the
 * drafter draws with the same seed and position ({@link Sampler} couples the two draws). That
 * rule's output cannot be reproducible across window sizes: a position that is a draft in one
 * window and the worker's own token in another is drawn by different rules.
 */
public final class SpeculativeAcceptance {

  private SpeculativeAcceptance() {}

  /**
   * The token that stands at {@code position}: a draft there is accepted exactly when it equals it.
   *
   * @param logits the target's logits for that position {@code [vocab]}
   * @param position the draft's absolute position
   */
  public static int judge(Sampler sampler, float[] logits, int position) {
    return sampler.sample(logits, position);
  }
}
