package dev.edgesplit.cloud.error;

import dev.edgesplit.proto.tensor.InvalidTensorException;
import dev.edgesplit.server.error.StatusMapping;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud worker's one mapping from failures to gRPC statuses, by exception type (never by
 * message). Unexpected failures become INTERNAL with a short description; their stack trace is
 * logged here, not sent.
 */
public final class StatusMapper {

  private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  /**
   * The status to close a call with after {@code failure} (unwrapped from CompletionException and
   * the like).
   */
  public static Status toStatus(Throwable failure) {
    return StatusMapping.toStatus(StatusMapping.unwrap(failure), StatusMapper::typed, LOG);
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
    if (t instanceof CapacityExceededException) {
      return Status.RESOURCE_EXHAUSTED;
    }
    if (t instanceof IncompatiblePlanException) {
      return Status.FAILED_PRECONDITION;
    }
    if (t instanceof DrainingException) {
      return Status.UNAVAILABLE;
    }
    return null;
  }
}
