package dev.edgesplit.edge.security;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token bucket per client: each client may start {@code burst} calls at once and then {@code
 * ratePerSecond} calls per second on average. Buckets of the least recently seen clients are
 * forgotten beyond {@code maxClients}, so a flood of new addresses costs bounded memory (a
 * forgotten client starts with a full bucket again). Thread-safe.
 */
public final class RateLimiter {

  private final double tokensPerNano;
  private final double burst;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets;

  /**
   * @param ratePerSecond sustained calls per second per client, > 0
   * @param burst bucket size, >= 1
   * @param maxClients buckets kept, >= 1
   * @param nanoTime monotonic clock ({@code System::nanoTime})
   */
  public RateLimiter(double ratePerSecond, int burst, int maxClients, LongSupplier nanoTime) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond) || burst < 1 || maxClients < 1) {
      throw new IllegalArgumentException("rate must be finite and > 0, burst and maxClients >= 1");
    }
    this.tokensPerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.nanoTime = nanoTime;
    this.buckets =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
            return size() > maxClients;
          }
        };
  }

  /**
   * Takes one token from {@code client}'s bucket; false when it is empty (the call must be
   * refused).
   */
  public synchronized boolean tryAcquire(String client) {
    long now = nanoTime.getAsLong();
    Bucket b = buckets.get(client);
    if (b == null) {
      b = new Bucket(burst, now);
      buckets.put(client, b);
    } else {
      // Saturate: a bucket idle for hours must not overflow to infinity.
      double refill = Math.max(0, now - b.last) * tokensPerNano;
      b.tokens = Math.min(burst, b.tokens + refill);
      b.last = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Clients with a bucket, for tests and metrics. */
  public synchronized int trackedClients() {
    return buckets.size();
  }

  private static final class Bucket {
    double tokens;
    long last;

    Bucket(double tokens, long last) {
      this.tokens = tokens;
      this.last = last;
    }
  }
}
