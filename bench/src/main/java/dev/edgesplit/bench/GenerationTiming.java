package dev.edgesplit.bench;

/**
 * What one measured generation took.
 *
 * @param promptTokens tokens in the prompt (one prefill run)
 * @param prefillMs time of the prefill run
 * @param timeToFirstTokenMs prefill + choosing the first token
 * @param decode per generated token after the first: one forward step + greedy choice
 */
public record GenerationTiming(
    int promptTokens, double prefillMs, double timeToFirstTokenMs, LatencyStats decode) {

  public double prefillTokensPerSecond() {
    return promptTokens / prefillMs * 1000.0;
  }

  public double decodeTokensPerSecond() {
    return decode.perSecond();
  }
}
