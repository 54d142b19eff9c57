package dev.edgesplit.cloud.session;

import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.ComputeState;
import dev.edgesplit.cloud.compute.SamplerFactory;
import dev.edgesplit.cloud.compute.TokenSampler;
import dev.edgesplit.cloud.error.CapacityExceededException;
import dev.edgesplit.cloud.error.DrainingException;
import dev.edgesplit.engine.sampling.SamplingParams;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * All live sessions of a worker: admits new ones against a KV-cache byte budget and a session
 * limit, and closes idle ones after a TTL. Thread-safe. {@link #start()} measures the per-session
 * KV size and starts the reaper; {@link #close()} frees every session.
 */
public final class SessionRegistry implements AutoCloseable {

  private final CloudCompute compute;
  private final SamplerFactory samplers;
  private final long kvBudgetBytes;
  private final int maxSessions;
  private final Duration idleTtl;
  private final LongSupplier nanoTime;
  private final Set<CloudSession> sessions = ConcurrentHashMap.newKeySet();
  private long reservedBytes;
  private int reservedSessions;
  private long bytesPerSession = -1;
  private boolean draining;
  private ScheduledExecutorService reaper;

  public SessionRegistry(
      CloudCompute compute,
      SamplerFactory samplers,
      long kvBudgetBytes,
      int maxSessions,
      Duration idleTtl,
      LongSupplier nanoTime) {
    this.compute = compute;
    this.samplers = samplers;
    this.kvBudgetBytes = kvBudgetBytes;
    this.maxSessions = maxSessions;
    this.idleTtl = idleTtl;
    this.nanoTime = nanoTime;
  }

  /** Measures the KV bytes one session takes and starts the idle reaper. */
  public synchronized void start() {
    try (ComputeState probe = compute.newState()) {
      bytesPerSession = probe.kvBytes();
    }
    if (bytesPerSession > kvBudgetBytes) {
      throw new IllegalArgumentException(
          "KV budget "
              + kvBudgetBytes
              + " bytes is smaller than one session ("
              + bytesPerSession
              + " bytes at context "
              + compute.info().maxContext()
              + ")");
    }
    reaper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "cloud-session-reaper");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(10, Math.min(1000, idleTtl.toMillis() / 2));
    reaper.scheduleAtFixedRate(this::reapIdle, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens a session with an empty KV cache.
   *
   * @throws CapacityExceededException when the budget or the session limit is reached
   * @throws DrainingException when the worker is shutting down
   */
  public CloudSession open(String id, SamplingParams params) {
    return open(id, params, compute.info().cut());
  }

  /**
   * Opens a session at {@code cut} (the budget reserves the configured cut's KV size per session).
   *
   * @throws dev.edgesplit.cloud.error.IncompatiblePlanException when the compute does not serve
   *     that cut
   */
  public CloudSession open(String id, SamplingParams params, int cut) {
    return open(id, params, cut, compute.info().nLayers());
  }

  /**
   * Opens a session running layers {@code [cut, returnCut)}: a U-shaped one, answered with hidden
   * states, when {@code returnCut} is below the model's layer count.
   *
   * @throws dev.edgesplit.cloud.error.IncompatiblePlanException when the compute does not serve
   *     that range
   */
  public CloudSession open(String id, SamplingParams params, int cut, int returnCut) {
    reserve();
    ComputeState state = null;
    try {
      state = compute.newState(cut, returnCut);
      TokenSampler sampler = samplers.create(params, compute.info().vocabSize());
      CloudSession session =
          new CloudSession(id, state, sampler, nanoTime.getAsLong(), this::release);
      sessions.add(session);
      return session;
    } catch (RuntimeException e) {
      if (state != null) {
        state.close();
      }
      unreserve();
      throw e;
    }
  }

  /** Closes sessions idle longer than the TTL; returns how many. Called by the reaper. */
  public int reapIdle() {
    long now = nanoTime.getAsLong();
    int reaped = 0;
    for (CloudSession s : sessions) {
      if (s.closeIfIdle(now, idleTtl.toNanos())) {
        reaped++;
      }
    }
    return reaped;
  }

  /** Refuses new sessions from now on. */
  public synchronized void drain() {
    draining = true;
  }

  public synchronized int activeSessions() {
    return reservedSessions;
  }

  public synchronized long reservedBytes() {
    return reservedBytes;
  }

  public synchronized long bytesPerSession() {
    return bytesPerSession;
  }

  public long kvBudgetBytes() {
    return kvBudgetBytes;
  }

  public int maxSessions() {
    return maxSessions;
  }

  public Duration idleTtl() {
    return idleTtl;
  }

  @Override
  public void close() {
    ScheduledExecutorService r;
    synchronized (this) {
      draining = true;
      r = reaper;
      reaper = null;
    }
    if (r != null) {
      r.shutdownNow();
    }
    for (CloudSession s : sessions) {
      s.close("worker shutting down");
    }
  }

  private synchronized void reserve() {
    if (bytesPerSession < 0) {
      throw new IllegalStateException("SessionRegistry.start() was not called");
    }
    if (draining) {
      throw new DrainingException("cloud worker is draining and takes no new sessions");
    }
    if (reservedSessions >= maxSessions) {
      throw new CapacityExceededException(
          "cloud worker holds its maximum of " + maxSessions + " sessions");
    }
    if (reservedBytes + bytesPerSession > kvBudgetBytes) {
      throw new CapacityExceededException(
          "KV-cache budget full: "
              + reservedBytes
              + " of "
              + kvBudgetBytes
              + " bytes reserved, a session needs "
              + bytesPerSession);
    }
    reservedBytes += bytesPerSession;
    reservedSessions++;
  }

  private synchronized void unreserve() {
    reservedBytes -= bytesPerSession;
    reservedSessions--;
  }

  /** Runs once per session (its close is idempotent), after its KV cache has been freed. */
  private void release(CloudSession session) {
    if (sessions.remove(session)) {
      unreserve();
    }
  }
}
