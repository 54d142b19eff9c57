package dev.edgesplit.server.logging;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A warning that at most one line per interval reaches the log, however often it happens: what a
 * hostile client can trigger at will (garbage on the wire) must not flood the log. The line after a
 * quiet spell says how many were left out. Thread-safe.
 */
public final class RateLimitedLog {

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private long lastNanos;
  private boolean logged;
  private long suppressed;

  /**
   * @param nanoTime a monotonic clock ({@code System::nanoTime})
   */
  public RateLimitedLog(Logger log, Duration interval, LongSupplier nanoTime) {
    this.log = Objects.requireNonNull(log, "log");
    this.intervalNanos = interval.toNanos();
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /**
   * Logs {@code message} at WARN unless a line went out less than an interval ago (then only counts
   * it).
   */
  public void warn(String message) {
    long suppressedBefore;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      if (logged && now - lastNanos < intervalNanos) {
        suppressed++;
        return;
      }
      logged = true;
      lastNanos = now;
      suppressedBefore = suppressed;
      suppressed = 0;
    }
    if (suppressedBefore == 0) {
      log.warn(message);
    } else {
      log.warn(
          "{} ({} more like it not logged in the previous {} s)",
          message,
          suppressedBefore,
          intervalNanos / 1_000_000_000L);
    }
  }
}
