package dev.edgesplit.cloud.compute;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs model steps off the gRPC threads. All steps of the worker go through one executor so that a
 * batching implementation (gathering concurrent decode steps into one ONNX run) can replace the
 * pooled one without touching the stream handling.
 */
public interface StepExecutor extends AutoCloseable {

  /**
   * Queues {@code step}.
   *
   * @throws dev.edgesplit.cloud.error.CapacityExceededException when the queue is full
   */
  <T> CompletableFuture<T> submit(Supplier<T> step);

  /** Stops taking steps, waits for queued ones up to the executor's drain timeout. Idempotent. */
  @Override
  void close();
}
