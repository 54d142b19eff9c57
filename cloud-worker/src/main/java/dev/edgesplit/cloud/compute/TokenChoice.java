package dev.edgesplit.cloud.compute;

/** A sampled token and the natural log of its probability (<= 0). */
public record TokenChoice(int token, float logprob) {

  public TokenChoice {
    if (token < 0) {
      throw new IllegalArgumentException("token must be >= 0, got " + token);
    }
  }
}
