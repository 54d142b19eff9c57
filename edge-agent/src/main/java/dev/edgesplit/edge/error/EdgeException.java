package dev.edgesplit.edge.error;

/**
 * Base of the edge agent's own failures; each subclass maps to one gRPC status in {@link
 * StatusMapper}. Messages become status descriptions and must say what the client did wrong.
 */
public abstract class EdgeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  protected EdgeException(String message) {
    super(message);
  }

  protected EdgeException(String message, Throwable cause) {
    super(message, cause);
  }
}
