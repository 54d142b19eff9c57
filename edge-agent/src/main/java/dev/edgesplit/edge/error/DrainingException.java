package dev.edgesplit.edge.error;

/** The edge agent is shutting down: UNAVAILABLE. */
public final class DrainingException extends EdgeException {

  private static final long serialVersionUID = 1L;

  public DrainingException(String message) {
    super(message);
  }
}
