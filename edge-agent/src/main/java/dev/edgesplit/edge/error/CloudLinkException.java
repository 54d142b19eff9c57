package dev.edgesplit.edge.error;

import io.grpc.Status;

/**
 * A call to the cloud worker failed with {@code status}. UNAVAILABLE and DEADLINE_EXCEEDED are the
 * codes on which a caller may reconnect, replay or fall back.
 */
public final class CloudLinkException extends EdgeException {

  private static final long serialVersionUID = 1L;

  private final transient Status status;

  public CloudLinkException(String what, Status status) {
    super(
        "cloud worker "
            + what
            + " failed: "
            + status.getCode()
            + (status.getDescription() == null ? "" : ": " + status.getDescription()),
        status.getCause());
    this.status = status;
  }

  public Status.Code code() {
    return status.getCode();
  }

  /** The worker's status, description included. */
  public Status status() {
    return status;
  }

  /**
   * Whether rebuilding the session on a worker (this one again or another) may succeed: the link
   * broke (UNAVAILABLE, a stream reset seen as CANCELLED when the caller did not cancel), no reply
   * came in time (DEADLINE_EXCEEDED), the worker lost the session (NOT_FOUND after its idle TTL) or
   * is full (RESOURCE_EXHAUSTED, another worker may have room). Other codes mean the edge sent
   * something wrong.
   */
  public boolean retryable() {
    switch (status.getCode()) {
      case UNAVAILABLE:
      case DEADLINE_EXCEEDED:
      case CANCELLED:
      case NOT_FOUND:
      case RESOURCE_EXHAUSTED:
      case ABORTED:
        return true;
      default:
        return false;
    }
  }
}
