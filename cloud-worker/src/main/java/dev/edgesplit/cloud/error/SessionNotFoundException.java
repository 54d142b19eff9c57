package dev.edgesplit.cloud.error;

/**
 * A frame names a session this stream does not hold (never opened, closed, or reaped): NOT_FOUND.
 */
public final class SessionNotFoundException extends CloudException {

  private static final long serialVersionUID = 1L;

  public SessionNotFoundException(String message) {
    super(message);
  }
}
