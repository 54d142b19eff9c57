package dev.edgesplit.engine.segment;

import java.util.List;

/**
 * One session's KV caches across the segments of a {@link SegmentChain}, and how many positions
 * they hold. Not thread-safe: one session runs one step at a time. Close it to free the caches.
 */
public final class ChainState implements AutoCloseable {

  private final List<KvCache> caches;
  private final int maxContext;
  private int position;
  private DecodeBindings decode;

  ChainState(List<KvCache> caches, int maxContext) {
    this.caches = caches;
    this.maxContext = maxContext;
  }

  /** Positions already in the KV cache; the next run starts here. */
  public int position() {
    return position;
  }

  public int maxContext() {
    return maxContext;
  }

  public long kvBytes() {
    return caches.stream().mapToLong(KvCache::bytes).sum();
  }

  /** Forgets every position (the stale entries are overwritten by the next runs). */
  public void reset() {
    position = 0;
  }

  /**
   * Forgets the positions from {@code position} on (speculative tokens that were rejected): the
   * next run starts there and overwrites their stale keys and values.
   *
   * @throws IllegalArgumentException when {@code position} is negative or beyond what the state
   *     holds
   */
  public void rewind(int position) {
    if (position < 0 || position > this.position) {
      throw new IllegalArgumentException(
          "cannot rewind to position " + position + " of a state holding " + this.position);
    }
    this.position = position;
  }

  KvCache cache(int segment) {
    return caches.get(segment);
  }

  DecodeBindings decode() {
    return decode;
  }

  void decode(DecodeBindings bindings) {
    this.decode = bindings;
  }

  void advance(int positions) {
    position += positions;
  }

  @Override
  public void close() {
    if (decode != null) {
      decode.close();
    }
    caches.forEach(KvCache::close);
  }
}
