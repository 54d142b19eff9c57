package dev.edgesplit.engine.generate;

/** Receives each generated token as soon as it is sampled. */
@FunctionalInterface
public interface TokenListener {

  /**
   * @param tokenId the sampled token
   * @param text the text it completes (may be empty for part of a multi-byte character)
   * @param logprob its log-probability under the model (temperature 1); NaN unless the sampling
   *     asked for logprobs
   */
  void onToken(int tokenId, String text, float logprob);

  TokenListener NONE = (id, text, logprob) -> {};
}
