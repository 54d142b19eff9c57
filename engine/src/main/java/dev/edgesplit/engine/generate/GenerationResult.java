package dev.edgesplit.engine.generate;

/**
 * What a generation produced and how fast.
 *
 * @param text the prompt followed by the generated text, as a user reads it
 * @param promptTokens tokens in the prompt, beginning-of-sequence included
 * @param generatedTokens tokens sampled
 * @param reason why it stopped
 * @param firstTokenNanos from the start to the first sampled token (prefill included)
 * @param totalNanos from the start to the end
 */
public record GenerationResult(
    String text,
    int promptTokens,
    int generatedTokens,
    FinishReason reason,
    long firstTokenNanos,
    long totalNanos) {

  /** Decode speed: tokens after the first, over the time after the first. */
  public double decodeTokensPerSecond() {
    long decodeNanos = totalNanos - firstTokenNanos;
    return generatedTokens > 1 && decodeNanos > 0 ? (generatedTokens - 1) * 1e9 / decodeNanos : 0;
  }
}
