package dev.edgesplit.cloud.session;

import dev.edgesplit.cloud.compute.ComputeState;
import dev.edgesplit.cloud.compute.TokenSampler;
import dev.edgesplit.cloud.error.SessionNotFoundException;
import java.util.function.Consumer;

/**
 * One generation's state on the worker: its KV cache, its sampler and the number of positions it
 * holds. A step marks the session busy; closing a busy session (cancel, stream reset) is deferred
 * until the step ends so the native KV cache is never freed under a running ONNX step. Thread-safe.
 */
public final class CloudSession {

  private final String id;
  private final ComputeState state;
  private final TokenSampler sampler;
  private final Consumer<CloudSession> onClosed;
  private long lastUsedNanos;
  private boolean busy;
  private boolean closeRequested;
  private boolean closed;
  private String closeReason = "closed";

  CloudSession(
      String id,
      ComputeState state,
      TokenSampler sampler,
      long nowNanos,
      Consumer<CloudSession> onClosed) {
    this.id = id;
    this.state = state;
    this.sampler = sampler;
    this.lastUsedNanos = nowNanos;
    this.onClosed = onClosed;
  }

  public String id() {
    return id;
  }

  /** The KV cache; only touch it between {@link #beginStep} and {@link #endStep}. */
  public ComputeState state() {
    return state;
  }

  public TokenSampler sampler() {
    return sampler;
  }

  /** Positions the session holds. */
  public synchronized int position() {
    return state.position();
  }

  /**
   * Claims the session for one step.
   *
   * @throws SessionNotFoundException when the session was closed (idle TTL, explicit close)
   */
  public synchronized void beginStep() {
    if (closed || closeRequested) {
      throw new SessionNotFoundException(
          "session '" + id + "' is no longer open (" + closeReason + ")");
    }
    busy = true;
  }

  /** Releases the session after a step; performs a close requested meanwhile. */
  public synchronized void endStep(long nowNanos) {
    busy = false;
    lastUsedNanos = nowNanos;
    if (closeRequested) {
      doClose();
    }
  }

  /** Frees the KV cache now, or after the running step. Idempotent. */
  public synchronized void close(String reason) {
    if (closed || closeRequested) {
      return;
    }
    closeReason = reason;
    if (busy) {
      closeRequested = true;
    } else {
      doClose();
    }
  }

  /** Closes the session when no step runs and it has been idle longer than {@code ttlNanos}. */
  synchronized boolean closeIfIdle(long nowNanos, long ttlNanos) {
    if (closed || busy || closeRequested || nowNanos - lastUsedNanos <= ttlNanos) {
      return false;
    }
    closeReason = "idle for more than " + ttlNanos / 1_000_000 + " ms";
    doClose();
    return true;
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  private void doClose() {
    closed = true;
    closeRequested = false;
    try {
      state.close();
    } finally {
      onClosed.accept(this);
    }
  }
}
