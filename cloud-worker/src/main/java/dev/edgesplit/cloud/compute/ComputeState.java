package dev.edgesplit.cloud.compute;

/**
 * One session's KV caches for the worker's layers. Not thread-safe: one step at a time. Native
 * memory: whoever obtains it from {@link CloudCompute#newState()} closes it; {@code close()} is
 * idempotent.
 */
public interface ComputeState extends AutoCloseable {

  /** Positions already held in the KV cache. */
  int position();

  /** Bytes of KV cache this state holds (sized for the maximum context). */
  long kvBytes();

  @Override
  void close();
}
