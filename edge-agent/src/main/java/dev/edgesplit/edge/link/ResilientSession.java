package dev.edgesplit.edge.link;

import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.edge.error.IncompatiblePlanException;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.HandshakeResponse;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generation's session with the cloud's layers that survives the loss of its worker. When a
 * step fails in a way a new session may fix ({@link CloudLinkException#retryable()}) and the client
 * has not cancelled, it reconnects (the same worker or the next of the pool, with exponential
 * backoff, within the retry deadline), handshakes again, replays every hidden state the generation
 * has sent as a prefill without sampling, and sends the failed frame again: the token that step
 * would have produced is computed on the new worker and nothing was streamed for it before, so no
 * token is lost or repeated (greedy decoding gives the undisturbed text; a seeded sampler restarts
 * its random stream on the new worker). When no worker answers within the deadline it continues on
 * the {@link LocalCloud} if there is one, else fails with UNAVAILABLE naming the workers and the
 * last error, and opens the {@link CloudBreaker}: while it is open, sessions skip the reconnect
 * window and fail (or fall back) at once. Used by one generation thread.
 */
public final class ResilientSession implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ResilientSession.class);
  private static final long PAUSE_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final int cut;
  private final int returnCut;
  private final CloudPool pool;
  private final RetryPolicy retry;
  private final CloudBreaker breaker;
  private final LocalCloud local;
  private final GenerationSettings settings;
  private final String baseId;
  private final SamplingParams sampling;
  private final SentHiddenLog sent;
  private final Context context;

  /** Frames sent and not yet answered, oldest first. */
  private final ArrayDeque<SessionFrame> inFlight = new ArrayDeque<>();

  private CloudLink link;
  private CloudSessionCall call;
  private LocalCloud.Session localSession;
  private HandshakeResponse worker;
  private String sessionId;
  private int streams;
  private int recoveries;
  private String fallbackReason = "";

  private ResilientSession(
      CloudSessions where,
      String baseId,
      SamplingParams sampling,
      SentHiddenLog sent,
      Context context) {
    this.cut = where.cut();
    this.returnCut = where.returnCut();
    this.pool = where.pool();
    this.retry = where.retry();
    this.breaker = where.breaker();
    this.local = where.local();
    this.settings = where.settings();
    this.baseId = baseId;
    this.sampling = sampling;
    this.sent = sent;
    this.context = context;
  }

  /**
   * Opens a session for one generation on one of {@code where}'s workers (or its local fallback).
   *
   * @param sent the generation's log of sent hidden states, replayed when the session moves to a
   *     new worker
   * @param context the client's call: its cancellation stops retries
   */
  static ResilientSession open(
      CloudSessions where,
      String sessionId,
      SamplingParams sampling,
      SentHiddenLog sent,
      Context context) {
    ResilientSession s = new ResilientSession(where, sessionId, sampling, sent, context);
    s.connect(null);
    return s;
  }

  /**
   * Limits of whatever runs the cloud's layers now (a worker's handshake, or the local fallback's).
   */
  public HandshakeResponse worker() {
    return worker;
  }

  /** Times the session was rebuilt after a failure mid-generation. */
  public int recoveries() {
    return recoveries;
  }

  /** True once the session runs on the board. */
  public boolean local() {
    return localSession != null;
  }

  /** Why the session fell back to the board; empty when it did not. */
  public String fallbackReason() {
    return fallbackReason;
  }

  /**
   * Sends {@code frame} (its session id is replaced by the current stream's) and returns its reply,
   * recovering as described above when the link fails.
   *
   * @throws CloudLinkException when the failure is not retryable or no worker is reachable
   *     (UNAVAILABLE)
   */
  public SessionReply exchange(SessionFrame frame) {
    send(frame);
    return awaitReply();
  }

  /**
   * Sends {@code frame} without waiting for its reply (read it with {@link #awaitReply}, in order).
   * Frames in flight are not yet in the sent log: after a recovery they go again, right after the
   * replay.
   */
  public void send(SessionFrame frame) {
    inFlight.addLast(frame);
    if (localSession == null) {
      // A broken stream fails this frame's awaitReply, which recovers and sends it again.
      call.send(withId(frame));
    }
  }

  /**
   * The reply to the oldest frame in flight, recovering as described above when the link fails.
   *
   * @throws CloudLinkException when the failure is not retryable or no worker is reachable
   *     (UNAVAILABLE)
   * @throws IllegalStateException when no frame is in flight
   */
  public SessionReply awaitReply() {
    if (inFlight.isEmpty()) {
      throw new IllegalStateException("no frame in flight");
    }
    while (true) {
      if (localSession != null) {
        return localSession.exchange(withId(inFlight.removeFirst()));
      }
      try {
        SessionReply reply = call.awaitReply(settings.stepTimeout());
        inFlight.removeFirst();
        return reply;
      } catch (CloudLinkException e) {
        if (!e.retryable() || context.isCancelled()) {
          throw e;
        }
        LOG.warn(
            "session {} lost its cloud worker {} at position {}: {}; recovering",
            baseId,
            link.target(),
            sent.positions(),
            e.getMessage());
        call.close();
        call = null;
        pool.failed(link);
        connect(e);
        recoveries++;
        if (localSession == null) {
          inFlight.forEach(f -> call.send(withId(f)));
        }
      }
    }
  }

  /** Half-closes the stream after a successful generation. */
  public void complete() {
    if (call != null) {
      call.complete();
    }
  }

  @Override
  public void close() {
    if (call != null) {
      call.close();
    }
    if (localSession != null) {
      localSession.close();
    }
  }

  /**
   * Opens a stream on a reachable worker and replays the sent hidden states into it; else falls
   * back. Skips the reconnect window while the breaker is open, and gives up early when it opens
   * meanwhile.
   */
  private void connect(CloudLinkException cause) {
    long start = System.nanoTime();
    long deadline = start + retry.deadline().toNanos();
    CloudLinkException last = cause;
    Set<CloudLink> incompatible = new HashSet<>();
    int attempt = 0;
    String reason = null;
    for (; ; attempt++) {
      if (breaker.isOpen()) {
        reason =
            "cloud marked down: "
                + breaker.reason()
                + "; workers tried: "
                + pool.targets()
                + (last == null ? "" : "; last error: " + last.getMessage());
        break;
      }
      pause(retry.backoff(attempt), deadline);
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      CloudLink candidate = pool.current();
      CloudSessionCall opened = null;
      try {
        HandshakeResponse limits = candidate.handshake(Duration.ofNanos(left));
        String id = streams == 0 ? baseId : baseId + "~" + streams;
        opened = candidate.openSession(settings.sessionDeadline());
        replay(opened, limits, id);
        streams++;
        link = candidate;
        call = opened;
        worker = limits;
        sessionId = id;
        breaker.closeBreaker(candidate.target());
        if (cause != null) {
          LOG.info(
              "session {} continues on cloud worker {} after replaying {} positions (attempt {})",
              baseId,
              candidate.target(),
              sent.positions(),
              attempt + 1);
        }
        return;
      } catch (CloudLinkException e) {
        if (opened != null) {
          opened.close();
        }
        if (!e.retryable() || context.isCancelled()) {
          throw e;
        }
        last = e;
        pool.failed(candidate);
      } catch (IncompatiblePlanException e) {
        // A worker with another model or cut is a configuration error; others in the pool may still
        // fit.
        incompatible.add(candidate);
        if (incompatible.size() == pool.size()) {
          throw e;
        }
        pool.failed(candidate);
      }
    }
    if (reason == null) {
      reason =
          "no cloud worker of "
              + pool.targets()
              + " reachable within "
              + retry.deadline().toMillis()
              + " ms ("
              + attempt
              + " attempts)"
              + (last == null ? "" : "; last error: " + last.getMessage());
      breaker.open(reason);
    }
    if (local == null) {
      throw new CloudLinkException("session", Status.UNAVAILABLE.withDescription(reason));
    }
    LOG.debug("session {} falls back to the local cloud layers: {}", baseId, reason);
    LocalCloud.Session s = local.open(sampling);
    try {
      sessionId = baseId;
      int position = 0;
      for (HiddenTensor chunk :
          HiddenReplay.chunks(sent.tensors(), local.limits().getMaxFramePositions())) {
        s.exchange(replayFrame(baseId, position, chunk));
        position += chunk.getShape(0);
      }
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    localSession = s;
    worker = local.limits();
    fallbackReason = reason;
  }

  private void replay(CloudSessionCall target, HandshakeResponse limits, String id) {
    int position = 0;
    for (HiddenTensor chunk : HiddenReplay.chunks(sent.tensors(), limits.getMaxFramePositions())) {
      SessionReply reply =
          target.exchange(replayFrame(id, position, chunk), settings.stepTimeout());
      position += chunk.getShape(0);
      ReplyCheck.requireAnswer("replay", reply, position, false, returnCut >= 0);
    }
  }

  private SessionFrame replayFrame(String id, int position, HiddenTensor chunk) {
    // A worker reads the session's cut from its first frame: the replay opens the session, so it
    // names the cut.
    SessionFrame.Builder frame =
        SessionFrame.newBuilder()
            .setSessionId(id)
            .setCut(cut)
            .setStartPosition(position)
            .setHidden(chunk)
            .setPhase(FramePhase.FRAME_PHASE_PREFILL)
            .setLast(false);
    // A U-shaped session names its range and keeps its sampling on the board.
    return returnCut < 0
        ? frame.setSampling(sampling).build()
        : frame.setReturnCut(returnCut).build();
  }

  private SessionFrame withId(SessionFrame frame) {
    return frame.getSessionId().equals(sessionId)
        ? frame
        : frame.toBuilder().setSessionId(sessionId).build();
  }

  /** Waits {@code wait} (not past {@code deadline}), failing early when the client cancels. */
  private void pause(Duration wait, long deadline) {
    long until = Math.min(deadline, System.nanoTime() + wait.toNanos());
    while (true) {
      if (context.isCancelled()) {
        boolean expired = context.getDeadline() != null && context.getDeadline().isExpired();
        throw (expired
                ? Status.DEADLINE_EXCEEDED.withDescription(
                    "client deadline expired while the cloud link " + "was recovering")
                : Status.CANCELLED.withDescription(
                    "client cancelled while the cloud link was " + "recovering"))
            .withCause(context.cancellationCause())
            .asRuntimeException();
      }
      long left = until - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(left, PAUSE_SLICE_NANOS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED
            .withDescription("interrupted while the cloud link was recovering")
            .asRuntimeException();
      }
    }
  }
}
