package dev.edgesplit.cloud.compute;

/**
 * A sampled token and the natural log of its probability (<= 0), NaN when the session did not ask
 * for it.
 */
public record TokenChoice(int token, float logprob) {

  /** A token without its log probability. */
  public static TokenChoice of(int token) {
    return new TokenChoice(token, Float.NaN);
  }

  public boolean hasLogprob() {
    return !Float.isNaN(logprob);
  }

  public TokenChoice {
    if (token < 0) {
      throw new IllegalArgumentException("token must be >= 0, got " + token);
    }
  }
}
