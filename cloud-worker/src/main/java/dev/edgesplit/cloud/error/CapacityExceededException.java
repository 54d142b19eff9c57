package dev.edgesplit.cloud.error;

/** The KV-cache budget, session limit or step queue is full: RESOURCE_EXHAUSTED. */
public final class CapacityExceededException extends CloudException {

  private static final long serialVersionUID = 1L;

  public CapacityExceededException(String message) {
    super(message);
  }
}
