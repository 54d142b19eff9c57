package dev.edgesplit.cloud.compute;

/**
 * One session's KV caches for the worker's layers. Not thread-safe: one step at a time. Native
 * memory: whoever obtains it from {@link CloudCompute#newState()} closes it; {@code close()} is
 * idempotent.
 */
public interface ComputeState extends AutoCloseable {

  /** Positions already held in the KV cache. */
  int position();

  /**
   * Forgets the positions from {@code position} on: a U-shaped session's speculative rows the edge
   * rejected. The next run starts there and overwrites them.
   *
   * @throws IllegalArgumentException when {@code position} is negative or beyond what the state
   *     holds
   * @throws dev.edgesplit.cloud.error.IncompatiblePlanException when this compute cannot rewind
   */
  default void rewind(int position) {
    throw new dev.edgesplit.cloud.error.IncompatiblePlanException(
        "this worker's compute cannot rewind a session, so it cannot serve speculative windows of"
            + " U-shaped sessions");
  }

  /** Bytes of KV cache this state holds (sized for the maximum context). */
  long kvBytes();

  @Override
  void close();
}
