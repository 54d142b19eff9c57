package dev.edgesplit.edge.link;

import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One open {@code CloudService.Session} stream: frames go out in order and their replies come back
 * in order, either one at a time ({@link #exchange}) or several in flight ({@link #send}, then
 * {@link #awaitReply} for each). Used by one generation thread. {@link #close()} half-closes after
 * success and cancels otherwise.
 */
public final class CloudSessionCall implements AutoCloseable {

  private static final Object COMPLETED = new Object();

  private final LinkedBlockingQueue<Object> replies = new LinkedBlockingQueue<>();
  private ClientCallStreamObserver<SessionFrame> requests;
  private boolean done;

  /** Response side wiring; the stub calls {@link ClientResponseObserver#beforeStart} first. */
  ClientResponseObserver<SessionFrame, SessionReply> observer() {
    return new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<SessionFrame> requestStream) {
        requests = requestStream;
      }

      @Override
      public void onNext(SessionReply reply) {
        replies.add(reply);
      }

      @Override
      public void onError(Throwable t) {
        replies.add(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        replies.add(COMPLETED);
      }
    };
  }

  /**
   * Sends {@code frame} and waits up to {@code timeout} for its reply.
   *
   * @throws CloudLinkException with the worker's status, or DEADLINE_EXCEEDED when no reply came in
   *     time
   */
  public SessionReply exchange(SessionFrame frame, Duration timeout) {
    send(frame);
    return awaitReply(timeout);
  }

  /**
   * Sends {@code frame} without waiting: the worker answers the stream's frames in order, each
   * reply read with {@link #awaitReply}. A failed stream shows in the next {@code awaitReply}.
   */
  public void send(SessionFrame frame) {
    requests.onNext(frame);
  }

  /**
   * Waits up to {@code timeout} for the reply to the oldest frame not yet answered.
   *
   * @throws CloudLinkException with the worker's status, or DEADLINE_EXCEEDED when no reply came in
   *     time
   */
  public SessionReply awaitReply(Duration timeout) {
    Object next;
    try {
      next = replies.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel("interrupted");
      throw new CloudLinkException("session step", Status.CANCELLED.withDescription("interrupted"));
    }
    if (next == null) {
      cancel("step timeout");
      throw new CloudLinkException(
          "session step",
          Status.DEADLINE_EXCEEDED.withDescription(
              "no reply within " + timeout.toMillis() + " ms"));
    }
    if (next instanceof SessionReply) {
      return (SessionReply) next;
    }
    done = true;
    if (next == COMPLETED) {
      // The worker ends a stream only after the edge half-closes it; an early end means the worker
      // went away.
      throw new CloudLinkException(
          "session step", Status.UNAVAILABLE.withDescription("stream ended without a reply"));
    }
    throw new CloudLinkException("session step", (Status) next);
  }

  /** Half-closes the stream after a successful generation. */
  public void complete() {
    if (!done) {
      done = true;
      requests.onCompleted();
    }
  }

  /**
   * Cancels the stream unless it already ended; the worker frees the session either way.
   * Idempotent.
   */
  @Override
  public void close() {
    cancel("generation ended");
  }

  private void cancel(String why) {
    if (!done) {
      done = true;
      requests.cancel(why, null);
    }
  }
}
