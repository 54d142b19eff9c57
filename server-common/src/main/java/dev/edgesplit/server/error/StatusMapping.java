package dev.edgesplit.server.error;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * What the apps' status mappers share: statuses pass through, JDK concurrency failures map to their
 * codes (rejected task RESOURCE_EXHAUSTED, timeout DEADLINE_EXCEEDED, cancellation CANCELLED), an
 * app's typed exceptions map through its own table, and anything else is INTERNAL with a short
 * description (the stack trace is logged, never sent). Mapping is by type, never by message.
 * Stateless.
 */
public final class StatusMapping {

  private StatusMapping() {}

  /**
   * @param failure what ended the call
   * @param typed the app's table: a status (without description) for its exception types, else null
   * @param log where an unexpected failure's stack trace goes (the app's mapper's logger)
   * @return the status to close the call with; mapped statuses carry {@code failure}'s message
   */
  public static Status toStatus(Throwable failure, Function<Throwable, Status> typed, Logger log) {
    if (failure instanceof StatusRuntimeException) {
      return ((StatusRuntimeException) failure).getStatus();
    }
    if (failure instanceof StatusException) {
      return ((StatusException) failure).getStatus();
    }
    Status status = typed.apply(failure);
    if (status == null) {
      status = common(failure);
    }
    if (status != null) {
      return status.withDescription(failure.getMessage());
    }
    log.error("internal error", failure);
    return Status.INTERNAL.withDescription("internal error: " + failure.getClass().getSimpleName());
  }

  /** The cause inside {@link CompletionException} and {@link ExecutionException} wrappers. */
  public static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  private static Status common(Throwable t) {
    if (t instanceof RejectedExecutionException) {
      return Status.RESOURCE_EXHAUSTED;
    }
    if (t instanceof TimeoutException) {
      return Status.DEADLINE_EXCEEDED;
    }
    if (t instanceof CancellationException) {
      return Status.CANCELLED;
    }
    return null;
  }
}
