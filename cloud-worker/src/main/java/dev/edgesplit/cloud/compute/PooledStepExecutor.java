package dev.edgesplit.cloud.compute;

import dev.edgesplit.cloud.error.CapacityExceededException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** A fixed pool of named step threads with a bounded queue; one step per task (no batching yet). */
public final class PooledStepExecutor implements StepExecutor {

  private final ThreadPoolExecutor pool;
  private final Duration drainTimeout;

  public PooledStepExecutor(int threads, int queueCapacity, Duration drainTimeout) {
    if (threads < 1 || queueCapacity < 1) {
      throw new IllegalArgumentException("threads and queueCapacity must be >= 1");
    }
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(queueCapacity), r -> {
          Thread t = new Thread(r, "cloud-step-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.drainTimeout = drainTimeout;
  }

  @Override
  public <T> CompletableFuture<T> submit(Supplier<T> step) {
    try {
      return CompletableFuture.supplyAsync(step, pool);
    } catch (RejectedExecutionException e) {
      throw new CapacityExceededException("cloud worker step queue is full (" + pool.getQueue().size() + " queued)");
    }
  }

  @Override
  public void close() {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
