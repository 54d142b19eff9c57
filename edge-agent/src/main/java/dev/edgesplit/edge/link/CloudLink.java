package dev.edgesplit.edge.link;

import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.edge.error.IncompatiblePlanException;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.proto.v1.HandshakeResponse;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The edge's view of one cloud worker: handshakes once (again after a failure), then opens session
 * streams. Every call carries a deadline. Takes a {@link Channel}; whoever created the channel
 * shuts it down. Thread-safe.
 */
public final class CloudLink {

  private final String target;
  private final Channel channel;
  private final HandshakeRequest hello;
  private final Duration handshakeTimeout;
  private HandshakeResponse accepted;

  public CloudLink(Channel channel, HandshakeRequest hello, Duration handshakeTimeout) {
    this(channel.authority(), channel, hello, handshakeTimeout);
  }

  /**
   * @param target the worker's address as configured, for messages
   */
  public CloudLink(
      String target, Channel channel, HandshakeRequest hello, Duration handshakeTimeout) {
    this.target = target;
    this.channel = channel;
    this.hello = hello;
    this.handshakeTimeout = handshakeTimeout;
  }

  /** The worker's address as configured. */
  public String target() {
    return target;
  }

  /**
   * The worker's limits, handshaking first if needed.
   *
   * @throws IncompatiblePlanException when the worker serves another protocol, model, cut or
   *     context
   * @throws CloudLinkException when the worker cannot be reached in time
   */
  public HandshakeResponse handshake() {
    return handshake(handshakeTimeout);
  }

  /**
   * Like {@link #handshake()}, waiting at most {@code timeout} (or the configured timeout, if
   * shorter).
   */
  public synchronized HandshakeResponse handshake(Duration timeout) {
    if (accepted != null) {
      return accepted;
    }
    long millis = Math.max(1, Math.min(handshakeTimeout.toMillis(), timeout.toMillis()));
    HandshakeResponse response;
    try {
      response =
          CloudServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(millis, TimeUnit.MILLISECONDS)
              .handshake(hello);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
        throw new IncompatiblePlanException(
            "cloud worker refused the handshake: " + e.getStatus().getDescription());
      }
      throw new CloudLinkException("handshake with " + target, e.getStatus());
    }
    if (response.getHiddenDim() == 0 || response.getMaxFramePositions() == 0) {
      throw new IncompatiblePlanException("cloud worker sent an incomplete handshake: " + response);
    }
    accepted = response;
    return response;
  }

  /**
   * Forgets the handshake so the next session checks the worker again (it may have restarted), and
   * asks a {@link ManagedChannel} to reconnect now rather than after its own backoff.
   */
  public synchronized void reset() {
    accepted = null;
    if (channel instanceof ManagedChannel) {
      ((ManagedChannel) channel).resetConnectBackoff();
    }
  }

  /**
   * Opens a session stream whose deadline is {@code deadline} from now (or the caller's, if
   * sooner).
   */
  public CloudSessionCall openSession(Duration deadline) {
    CloudSessionCall call = new CloudSessionCall();
    // The stream's callbacks only queue the reply for the waiting generation thread: running them
    // on the
    // transport thread saves a thread hand-off per token.
    CloudServiceGrpc.newStub(channel)
        .withExecutor(Runnable::run)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .session(call.observer());
    return call;
  }
}
