package dev.edgesplit.engine.generate;

/** Why a generation stopped. */
public enum FinishReason {
  /** The model produced its end-of-text (or beginning-of-sequence) token. */
  END_OF_TEXT,
  /** max_new_tokens reached. */
  LENGTH,
  /** The context window is full. */
  CONTEXT_FULL,
  /** A stop string appeared in the text. */
  STOP_STRING,
  /** The caller cancelled. */
  CANCELLED
}
