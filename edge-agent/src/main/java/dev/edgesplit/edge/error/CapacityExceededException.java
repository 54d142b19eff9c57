package dev.edgesplit.edge.error;

/** Too many concurrent generations are running or queued: RESOURCE_EXHAUSTED. */
public final class CapacityExceededException extends EdgeException {

  private static final long serialVersionUID = 1L;

  public CapacityExceededException(String message) {
    super(message);
  }
}
