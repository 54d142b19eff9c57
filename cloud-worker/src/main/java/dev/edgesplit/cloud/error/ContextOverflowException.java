package dev.edgesplit.cloud.error;

/** A frame would take a session past the context length: OUT_OF_RANGE. */
public final class ContextOverflowException extends CloudException {

  private static final long serialVersionUID = 1L;

  public ContextOverflowException(String message) {
    super(message);
  }
}
