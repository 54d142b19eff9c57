package dev.edgesplit.cloud.error;

/** The worker is shutting down and takes no new sessions: UNAVAILABLE. */
public final class DrainingException extends CloudException {

  private static final long serialVersionUID = 1L;

  public DrainingException(String message) {
    super(message);
  }
}
