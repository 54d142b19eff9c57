package dev.edgesplit.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * This machine's sustainable memory bandwidth, measured like STREAM's Copy kernel: {@code b[i] =
 * a[i]} over arrays far larger than the caches, counting the bytes read plus the bytes written,
 * best of several trials (STREAM reports the best). With several threads each copies its own slice
 * at the same time.
 */
public final class StreamCopy {

  /**
   * @param bytesPerArray size of each of the two arrays
   * @param threads threads copying concurrently
   * @param trials timed repetitions after one untimed pass
   * @param bestGbPerSecond best bandwidth, 1e9 bytes/s, reads + writes
   * @param medianGbPerSecond median over the trials
   */
  public record Result(
      long bytesPerArray,
      int threads,
      int trials,
      double bestGbPerSecond,
      double medianGbPerSecond) {}

  private final long bytesPerArray;
  private final int threads;
  private final int trials;

  public StreamCopy(long bytesPerArray, int threads, int trials) {
    if (bytesPerArray < 1 << 20
        || bytesPerArray > (long) Integer.MAX_VALUE * 8
        || threads < 1
        || trials < 1) {
      throw new IllegalArgumentException(
          "bad copy: " + bytesPerArray + " bytes, " + threads + " threads, " + trials + " trials");
    }
    this.bytesPerArray = bytesPerArray;
    this.threads = threads;
    this.trials = trials;
  }

  public Result measure() {
    int n = (int) (bytesPerArray / Long.BYTES);
    long[] a = new long[n];
    long[] b = new long[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "stream-copy");
              t.setDaemon(true);
              return t;
            });
    try {
      copy(pool, a, b, n);
      long[] nanos = new long[trials];
      for (int t = 0; t < trials; t++) {
        long start = System.nanoTime();
        copy(pool, a, b, n);
        nanos[t] = System.nanoTime() - start;
      }
      if (b[n - 1] != n - 1) {
        throw new IllegalStateException("copy kernel lost data");
      }
      LatencyStats s = LatencyStats.ofNanos(nanos, trials);
      double bytes = 2.0 * n * Long.BYTES;
      return new Result(
          (long) n * Long.BYTES,
          threads,
          trials,
          bytes / (s.minMs() * 1e6),
          bytes / (s.medianMs() * 1e6));
    } finally {
      pool.shutdownNow();
    }
  }

  private void copy(ExecutorService pool, long[] a, long[] b, int n) {
    int slice = (n + threads - 1) / threads;
    List<Future<?>> parts = new ArrayList<>(threads);
    for (int t = 0; t < threads; t++) {
      int from = t * slice;
      int len = Math.min(slice, n - from);
      parts.add(pool.submit(() -> System.arraycopy(a, from, b, from, len)));
    }
    try {
      for (Future<?> f : parts) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while measuring bandwidth", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("copy failed", e.getCause());
    }
  }
}
