package dev.edgesplit.bench;

import java.util.Arrays;

/**
 * Summary of per-step times in milliseconds.
 *
 * @param count steps measured
 * @param meanMs mean time per step (tokens/s is 1000 / mean)
 * @param medianMs median
 * @param p90Ms 90th percentile (nearest rank)
 * @param minMs fastest step
 */
public record LatencyStats(int count, double meanMs, double medianMs, double p90Ms, double minMs) {

  public LatencyStats {
    if (count < 1) {
      throw new IllegalArgumentException("no samples");
    }
  }

  /** Statistics of {@code nanos[0..count)}; the array is not modified. */
  public static LatencyStats ofNanos(long[] nanos, int count) {
    if (count < 1 || count > nanos.length) {
      throw new IllegalArgumentException("count " + count + " outside 1.." + nanos.length);
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    double sum = 0;
    for (long v : sorted) {
      sum += v;
    }
    return new LatencyStats(
        count,
        sum / count / 1e6,
        percentile(sorted, 50) / 1e6,
        percentile(sorted, 90) / 1e6,
        sorted[0] / 1e6);
  }

  /** Nearest-rank percentile of a sorted array. */
  static long percentile(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  /** Steps per second at the mean time. */
  public double perSecond() {
    return 1000.0 / meanMs;
  }
}
