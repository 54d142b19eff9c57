package dev.edgesplit.edge.error;

import dev.edgesplit.server.error.StatusMapping;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge agent's one mapping from failures to gRPC statuses, by exception type. Cloud failures
 * keep the codes a client can act on (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
 * FAILED_PRECONDITION, CANCELLED); any other cloud code means the edge sent something wrong, which
 * is INTERNAL here.
 */
public final class StatusMapper {

  private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  /** The status to close a Generate call with after {@code t}. */
  public static Status toStatus(Throwable t) {
    return StatusMapping.toStatus(t, StatusMapper::typed, LOG);
  }

  private static Status typed(Throwable t) {
    if (t instanceof CloudLinkException) {
      return forCloud((CloudLinkException) t);
    }
    if (t instanceof InvalidRequestException) {
      return Status.INVALID_ARGUMENT;
    }
    if (t instanceof PromptTooLongException) {
      return Status.OUT_OF_RANGE;
    }
    if (t instanceof CapacityExceededException) {
      return Status.RESOURCE_EXHAUSTED;
    }
    if (t instanceof IncompatiblePlanException || t instanceof TextPromptUnsupportedException) {
      return Status.FAILED_PRECONDITION;
    }
    if (t instanceof DrainingException) {
      return Status.UNAVAILABLE;
    }
    return null;
  }

  private static Status forCloud(CloudLinkException e) {
    switch (e.code()) {
      case UNAVAILABLE:
        return Status.UNAVAILABLE;
      case DEADLINE_EXCEEDED:
        return Status.DEADLINE_EXCEEDED;
      case RESOURCE_EXHAUSTED:
        return Status.RESOURCE_EXHAUSTED;
      case FAILED_PRECONDITION:
        return Status.FAILED_PRECONDITION;
      case CANCELLED:
        return Status.CANCELLED;
      default:
        return Status.INTERNAL;
    }
  }
}
