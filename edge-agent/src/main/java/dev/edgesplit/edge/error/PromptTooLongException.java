package dev.edgesplit.edge.error;

/** The prompt, or prompt plus max_new_tokens, does not fit the context: OUT_OF_RANGE. */
public final class PromptTooLongException extends EdgeException {

  private static final long serialVersionUID = 1L;

  public PromptTooLongException(String message) {
    super(message);
  }
}
