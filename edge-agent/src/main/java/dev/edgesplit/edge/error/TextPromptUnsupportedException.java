package dev.edgesplit.edge.error;

/**
 * The served model's tokenizer cannot encode text, so only token-id prompts work:
 * FAILED_PRECONDITION.
 */
public final class TextPromptUnsupportedException extends EdgeException {

  private static final long serialVersionUID = 1L;

  public TextPromptUnsupportedException(String message, Throwable cause) {
    super(message, cause);
  }
}
