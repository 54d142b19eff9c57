package dev.edgesplit.engine.tokenizer;

/** The raw bytes one token contributes to the text, given the token before it. */
@FunctionalInterface
interface TokenBytes {

  /**
   * Bytes (usually UTF-8; byte-fallback tokens give single raw bytes) that {@code token} adds after
   * {@code previous}; {@code atStart} when no token but control tokens (BOS, special tokens) came
   * before it.
   */
  byte[] bytes(int previous, int token, boolean atStart);
}
