package dev.edgesplit.cloud.compute;

/** Chooses tokens for one session; keeps the session's random stream. Not thread-safe. */
public interface TokenSampler {

  /** The next token for {@code logits [vocabSize]}. */
  TokenChoice sample(float[] logits);
}
