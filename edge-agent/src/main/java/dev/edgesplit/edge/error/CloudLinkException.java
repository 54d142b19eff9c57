package dev.edgesplit.edge.error;

import io.grpc.Status;

/**
 * A call to the cloud worker failed with {@code status}. UNAVAILABLE and DEADLINE_EXCEEDED are the codes on
 * which a caller may reconnect, replay or fall back.
 */
public final class CloudLinkException extends EdgeException {

  private static final long serialVersionUID = 1L;

  private final transient Status status;

  public CloudLinkException(String what, Status status) {
    super("cloud worker " + what + " failed: " + status.getCode()
        + (status.getDescription() == null ? "" : ": " + status.getDescription()), status.getCause());
    this.status = status;
  }

  public Status.Code code() {
    return status.getCode();
  }
}
