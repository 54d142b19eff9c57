package dev.edgesplit.edge.link;

import dev.edgesplit.edge.link.CloudPool;
import dev.edgesplit.edge.link.LocalCloud;
import dev.edgesplit.edge.link.RetryPolicy;
import dev.edgesplit.proto.v1.SamplingParams;
import io.grpc.Context;
import java.util.Objects;

/**
 * Where generations at one cut run the cloud's layers [cut, N): a pool of workers handshaking that cut, how to
 * retry when one fails, and optionally the board itself as the last resort. Thread-safe; shared by all
 * generations of an agent at that cut.
 */
public final class CloudSessions {

  private final int cut;
  private final CloudPool pool;
  private final RetryPolicy retry;
  private final CloudBreaker breaker;
  private final LocalCloud local;
  private final GenerationSettings settings;

  /**
   * @param cut   the cut every link of {@code pool} handshakes and every frame (replays included) names
   * @param breaker marks the cloud down after a failed reconnect window, so later sessions fail or fall back at
   *                once; shared by every cut of an agent
   * @param local   the fallback running layers [cut, N) on the board, or null to fail with UNAVAILABLE when no
   *                worker is reachable
   */
  public CloudSessions(int cut, CloudPool pool, RetryPolicy retry, CloudBreaker breaker, LocalCloud local,
      GenerationSettings settings) {
    if (local != null && local.limits().getCut() != cut) {
      throw new IllegalArgumentException("local fallback runs the cloud layers of cut " + local.limits().getCut()
          + ", not of cut " + cut);
    }
    this.cut = cut;
    this.pool = Objects.requireNonNull(pool, "pool");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.breaker = Objects.requireNonNull(breaker, "breaker");
    this.local = local;
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** The cut these sessions run at: the edge runs [0, cut), the cloud (or the fallback) [cut, N). */
  public int cut() {
    return cut;
  }

  /**
   * Opens a session for one generation on the calling thread, under the current gRPC {@link Context} (the
   * client's cancellation and deadline). Connects with retries; the caller closes the session.
   *
   * @param sent the generation's log of sent hidden states, replayed when the session moves to a new worker
   */
  public ResilientSession open(String sessionId, SamplingParams sampling, SentHiddenLog sent) {
    return ResilientSession.open(this, sessionId, sampling, sent, Context.current());
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
