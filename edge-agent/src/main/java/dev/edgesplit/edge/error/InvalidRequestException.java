package dev.edgesplit.edge.error;

/**
 * A Generate request is malformed (empty prompt, bad token id, bad sampling or stop strings):
 * INVALID_ARGUMENT.
 */
public final class InvalidRequestException extends EdgeException {

  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
