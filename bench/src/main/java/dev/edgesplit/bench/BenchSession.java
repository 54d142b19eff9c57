package dev.edgesplit.bench;

/**
 * One generation's worth of model state that the decode benchmark drives: token ids in, the last
 * position's logits out. Implementations time their own parts (edge, cloud, allocations) for the
 * breakdown.
 */
interface BenchSession extends AutoCloseable {

  /** Runs {@code tokens} at the next positions; returns the last position's logits. */
  float[] run(int[] tokens);

  /** Forgets every position and every recorded part time (after warm-up). */
  void reset();

  /**
   * Marks the following {@link #run} calls as decode steps (part times are recorded for those
   * only).
   */
  void decoding(boolean decoding);

  @Override
  void close();
}
