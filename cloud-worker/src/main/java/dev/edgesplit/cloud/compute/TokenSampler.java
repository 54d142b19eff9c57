package dev.edgesplit.cloud.compute;

import dev.edgesplit.engine.sampling.DraftDistribution;

/** Chooses tokens for one session; keeps the session's random stream. Not thread-safe. */
public interface TokenSampler {

  /** The next token for {@code logits [vocabSize]}. */
  TokenChoice sample(float[] logits);

  /**
   * Judges a draft token against {@code logits [vocabSize]} with the speculative-sampling rule:
   * returns the draft when it is accepted, else the token chosen in its place (see {@link
   * dev.edgesplit.engine.sampling.SpeculativeAcceptance}).
   *
   * @param q how the draft was chosen; null when deterministically
   */
  TokenChoice judge(float[] logits, int draft, DraftDistribution q);
}
