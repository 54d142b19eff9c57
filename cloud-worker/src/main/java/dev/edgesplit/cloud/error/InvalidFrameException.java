package dev.edgesplit.cloud.error;

/**
 * A session frame breaks the wire contract (shape, dtype, bytes, values, position, flags):
 * INVALID_ARGUMENT.
 */
public final class InvalidFrameException extends CloudException {

  private static final long serialVersionUID = 1L;

  public InvalidFrameException(String message) {
    super(message);
  }
}
