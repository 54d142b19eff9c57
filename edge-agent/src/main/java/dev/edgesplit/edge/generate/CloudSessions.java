package dev.edgesplit.edge.generate;

import dev.edgesplit.edge.link.CloudPool;
import dev.edgesplit.edge.link.LocalCloud;
import dev.edgesplit.edge.link.RetryPolicy;
import dev.edgesplit.proto.v1.SamplingParams;
import io.grpc.Context;
import java.util.Objects;

/**
 * Where generations run the cloud's layers: a pool of workers, how to retry when one fails, and optionally
 * the board itself as the last resort. Thread-safe; shared by all generations of an agent.
 */
public final class CloudSessions {

  private final CloudPool pool;
  private final RetryPolicy retry;
  private final LocalCloud local;
  private final GenerationSettings settings;

  /** @param local the fallback, or null to fail with UNAVAILABLE when no worker is reachable */
  public CloudSessions(CloudPool pool, RetryPolicy retry, LocalCloud local, GenerationSettings settings) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.local = local;
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Opens a session for one generation on the calling thread, under the current gRPC {@link Context} (the
   * client's cancellation and deadline). Connects with retries; the caller closes the session.
   *
   * @param sent the generation's log of sent hidden states, replayed when the session moves to a new worker
   */
  ResilientSession open(String sessionId, SamplingParams sampling, SentHiddenLog sent) {
    return ResilientSession.open(pool, retry, local, settings, sessionId, sampling, sent, Context.current());
  }
}
