package dev.edgesplit.cloud.error;

/**
 * Base of the cloud worker's own failures. Each subclass maps to one gRPC status in {@link
 * StatusMapper}; the message becomes the status description, so it must say what was wrong without
 * leaking internals.
 */
public abstract class CloudException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  protected CloudException(String message) {
    super(message);
  }

  protected CloudException(String message, Throwable cause) {
    super(message, cause);
  }
}
