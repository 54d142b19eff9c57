package dev.edgesplit.edge.link;

import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.proto.v1.SamplingParams;
import io.grpc.Context;
import java.util.Objects;

/**
 * Where generations at one cut run the cloud's layers [cut, N): a pool of workers handshaking that
 * cut, how to retry when one fails, and optionally the board itself as the last resort.
 * Thread-safe; shared by all generations of an agent at that cut.
 */
public final class CloudSessions {

  private final int cut;
  private final CloudPool pool;
  private final RetryPolicy retry;
  private final CloudBreaker breaker;
  private final LocalCloud local;
  private final GenerationSettings settings;
  private final int returnCut;
  private final SegmentChain tail;

  /**
   * @param cut the cut every link of {@code pool} handshakes and every frame (replays included)
   *     names
   * @param breaker marks the cloud down after a failed reconnect window, so later sessions fail or
   *     fall back at once; shared by every cut of an agent
   * @param local the fallback running layers [cut, N) on the board, or null to fail with
   *     UNAVAILABLE when no worker is reachable
   */
  public CloudSessions(
      int cut,
      CloudPool pool,
      RetryPolicy retry,
      CloudBreaker breaker,
      LocalCloud local,
      GenerationSettings settings) {
    this(cut, null, pool, retry, breaker, local, settings);
  }

  /**
   * The U-shaped split: the workers (and the local fallback) run only layers [cut,
   * tail.firstLayer()) and send the hidden states back; the board runs {@code tail} (layers
   * [returnCut, N), norm, LM head) and samples.
   *
   * @param tail null for the plain split
   */
  public CloudSessions(
      int cut,
      SegmentChain tail,
      CloudPool pool,
      RetryPolicy retry,
      CloudBreaker breaker,
      LocalCloud local,
      GenerationSettings settings) {
    if (tail != null && (tail.firstLayer() <= cut || !tail.emitsLogits() || tail.takesTokens())) {
      throw new IllegalArgumentException(
          "the board's tail must run layers [returnCut, N) with the head, returnCut "
              + "above the cut "
              + cut);
    }
    this.tail = tail;
    this.returnCut = tail == null ? -1 : tail.firstLayer();
    if (local != null && local.limits().getCut() != cut) {
      throw new IllegalArgumentException(
          "local fallback runs the cloud layers of cut "
              + local.limits().getCut()
              + ", not of cut "
              + cut);
    }
    this.cut = cut;
    this.pool = Objects.requireNonNull(pool, "pool");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.breaker = Objects.requireNonNull(breaker, "breaker");
    this.local = local;
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * The cut these sessions run at: the edge runs [0, cut), the cloud (or the fallback) [cut, N).
   */
  public int cut() {
    return cut;
  }

  /**
   * Opens a session for one generation on the calling thread, under the current gRPC {@link
   * Context} (the client's cancellation and deadline). Connects with retries; the caller closes the
   * session.
   *
   * @param sent the generation's log of sent hidden states, replayed when the session moves to a
   *     new worker
   */
  public ResilientSession open(String sessionId, SamplingParams sampling, SentHiddenLog sent) {
    return ResilientSession.open(this, sessionId, sampling, sent, Context.current());
  }

  /** The board's tail of a U-shaped split, or null for the plain split. */
  public SegmentChain tail() {
    return tail;
  }

  /**
   * End of the worker's layers in a U-shaped split; -1 for the plain split (the worker runs [cut,
   * N)).
   */
  public int returnCut() {
    return returnCut;
  }

  CloudPool pool() {
    return pool;
  }

  RetryPolicy retry() {
    return retry;
  }

  CloudBreaker breaker() {
    return breaker;
  }

  /** The fallback on the board, or null. */
  LocalCloud local() {
    return local;
  }

  GenerationSettings settings() {
    return settings;
  }
}
