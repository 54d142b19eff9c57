package dev.edgesplit.cloud.error;

import dev.edgesplit.proto.tensor.InvalidTensorException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud worker's one mapping from failures to gRPC statuses, by exception type (never by message).
 * Unexpected failures become INTERNAL with a short description; their stack trace is logged here, not sent.
 */
public final class StatusMapper {

  private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  /** The status to close a call with after {@code failure}. */
  public static Status toStatus(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof StatusRuntimeException) {
      return ((StatusRuntimeException) t).getStatus();
    }
    if (t instanceof StatusException) {
      return ((StatusException) t).getStatus();
    }
    Status status = typed(t);
    if (status != null) {
      return status.withDescription(t.getMessage());
    }
    LOG.error("internal error", t);
    return Status.INTERNAL.withDescription("internal error: " + t.getClass().getSimpleName());
  }

  private static Status typed(Throwable t) {
    if (t instanceof InvalidFrameException || t instanceof InvalidTensorException) {
      return Status.INVALID_ARGUMENT;
    }
    if (t instanceof ContextOverflowException) {
      return Status.OUT_OF_RANGE;
    }
    if (t instanceof SessionNotFoundException) {
      return Status.NOT_FOUND;
    }
    if (t instanceof CapacityExceededException || t instanceof RejectedExecutionException) {
      return Status.RESOURCE_EXHAUSTED;
    }
    if (t instanceof IncompatiblePlanException) {
      return Status.FAILED_PRECONDITION;
    }
    if (t instanceof DrainingException) {
      return Status.UNAVAILABLE;
    }
    if (t instanceof TimeoutException) {
      return Status.DEADLINE_EXCEEDED;
    }
    if (t instanceof CancellationException) {
      return Status.CANCELLED;
    }
    return null;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
