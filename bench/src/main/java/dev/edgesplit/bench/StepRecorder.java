package dev.edgesplit.bench;

/**
 * Per-step samples of one measured part (nanoseconds or bytes), in a preallocated array: no
 * allocation.
 */
final class StepRecorder {

  private final long[] values;
  private int count;

  StepRecorder(int capacity) {
    this.values = new long[capacity];
  }

  void add(long value) {
    if (count < values.length) {
      values[count++] = value;
    }
  }

  void clear() {
    count = 0;
  }

  int count() {
    return count;
  }

  LatencyStats nanosStats() {
    return LatencyStats.ofNanos(values, count);
  }

  /** The largest value after the first {@code skip} samples; 0 when there are none. */
  long maxAfter(int skip) {
    long max = 0;
    for (int i = skip; i < count; i++) {
      max = Math.max(max, values[i]);
    }
    return max;
  }

  double mean() {
    if (count == 0) {
      return 0;
    }
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += values[i];
    }
    return sum / count;
  }
}
