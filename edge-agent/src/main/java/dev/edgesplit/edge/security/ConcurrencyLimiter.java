package dev.edgesplit.edge.security;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts running calls per client and refuses one beyond {@code maxPerClient}. Only clients with
 * running calls are remembered, so memory is bounded by the calls in flight. Thread-safe.
 */
public final class ConcurrencyLimiter {

  private final int maxPerClient;
  private final Map<String, Integer> running = new HashMap<>();

  public ConcurrencyLimiter(int maxPerClient) {
    if (maxPerClient < 1) {
      throw new IllegalArgumentException("maxPerClient must be >= 1, got " + maxPerClient);
    }
    this.maxPerClient = maxPerClient;
  }

  /**
   * A permit to release when the call ends, or null when {@code client} already runs its maximum.
   */
  public synchronized Permit tryAcquire(String client) {
    int n = running.getOrDefault(client, 0);
    if (n >= maxPerClient) {
      return null;
    }
    running.put(client, n + 1);
    return new Permit(client);
  }

  public int maxPerClient() {
    return maxPerClient;
  }

  /** Running calls of {@code client}. */
  public synchronized int running(String client) {
    return running.getOrDefault(client, 0);
  }

  private synchronized void release(String client) {
    int n = running.getOrDefault(client, 0) - 1;
    if (n <= 0) {
      running.remove(client);
    } else {
      running.put(client, n);
    }
  }

  /** One running call; {@link #close()} is idempotent, so every end-of-call path may call it. */
  public final class Permit implements AutoCloseable {
    private final String client;
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit(String client) {
      this.client = client;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        release(client);
      }
    }
  }
}
