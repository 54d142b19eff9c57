package dev.edgesplit.cloud.compute;

/**
 * Chooses tokens for one session. Draws are keyed on the session's seed and the token's absolute
 * position (see {@link dev.edgesplit.engine.sampling.Sampler}), so the same logits at the same
 * position give the same token whatever came before. Not thread-safe.
 */
public interface TokenSampler {

  /** The token at absolute position {@code position} for {@code logits [vocabSize]}. */
  TokenChoice sample(float[] logits, int position);

  /**
   * Judges a draft at {@code position} (see {@link
   * dev.edgesplit.engine.sampling.SpeculativeAcceptance}): returns the session's own token there;
   * the draft is accepted exactly when it is that token.
   */
  TokenChoice judge(float[] logits, int position);
}
