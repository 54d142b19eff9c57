package dev.edgesplit.edge.generate;

import java.util.concurrent.locks.LockSupport;

/**
 * Fault injection: makes every edge segment run take {@code factor} times as long as it did, by
 * waiting {@code (factor - 1) x its time} after it. Stands in for thermal throttling in tests and
 * demos, so the re-planner can be watched moving the cut. Thread-safe; 1.0 (the default) adds
 * nothing.
 */
public final class EdgeSlowdown {

  private volatile double factor = 1.0;

  /** No slowdown (the factor can still be raised later). */
  public static EdgeSlowdown none() {
    return new EdgeSlowdown();
  }

  /**
   * @param value 1.0 for none, 2.0 doubles edge time; must be >= 1
   */
  public void setFactor(double value) {
    if (!(value >= 1.0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException("slowdown factor must be >= 1, got " + value);
    }
    factor = value;
  }

  public double factor() {
    return factor;
  }

  /**
   * Waits out the injected extra time for an edge run that took {@code nanos}; returns the extra
   * nanos.
   */
  long after(long nanos) {
    double f = factor;
    if (f <= 1.0) {
      return 0;
    }
    long extra = (long) ((f - 1.0) * nanos);
    long until = System.nanoTime() + extra;
    long left;
    while ((left = until - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
    return extra;
  }
}
