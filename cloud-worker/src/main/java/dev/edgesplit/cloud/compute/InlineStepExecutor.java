package dev.edgesplit.cloud.compute;

import dev.edgesplit.cloud.error.CapacityExceededException;
import dev.edgesplit.cloud.error.DrainingException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs each step on the thread that submits it (gRPC's callback thread for the stream), at most
 * {@code maxConcurrent} at once, with up to {@code maxWaiting} more waiting for a turn; beyond that
 * a step is refused with {@code RESOURCE_EXHAUSTED}. Handing steps to a pool would cost a thread
 * switch per token on the hot path; gRPC already gives each stream serialized callbacks on its own
 * executor.
 */
public final class InlineStepExecutor implements StepExecutor {

  private final int maxConcurrent;
  private final int maxWaiting;
  private final AtomicInteger waiting = new AtomicInteger();
  private final Semaphore permits;
  private final Duration drainTimeout;
  private volatile boolean closed;

  public InlineStepExecutor(int maxConcurrent, int maxWaiting, Duration drainTimeout) {
    if (maxConcurrent < 1 || maxWaiting < 0) {
      throw new IllegalArgumentException("maxConcurrent must be >= 1 and maxWaiting >= 0");
    }
    this.maxConcurrent = maxConcurrent;
    this.maxWaiting = maxWaiting;
    this.permits = new Semaphore(maxConcurrent);
    this.drainTimeout = drainTimeout;
  }

  @Override
  public <T> CompletableFuture<T> submit(Supplier<T> step) {
    if (closed) {
      throw new DrainingException("cloud worker is shutting down");
    }
    if (!permits.tryAcquire()) {
      if (waiting.incrementAndGet() > maxWaiting) {
        waiting.decrementAndGet();
        throw new CapacityExceededException(
            "cloud worker is running "
                + maxConcurrent
                + " steps with "
                + maxWaiting
                + " waiting: no room for another");
      }
      try {
        permits.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DrainingException("interrupted while waiting for a step slot");
      } finally {
        waiting.decrementAndGet();
      }
    }
    try {
      return CompletableFuture.completedFuture(step.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    } finally {
      permits.release();
    }
  }

  /** Refuses new steps and waits (up to the drain timeout) for the running ones. */
  @Override
  public void close() {
    closed = true;
    try {
      if (permits.tryAcquire(maxConcurrent, drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        permits.release(maxConcurrent);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
