package dev.edgesplit.engine.tokenizer;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Greedy pair merging shared by both BPE flavours: while some adjacent pair can merge, merge the
 * one with the lowest priority value, the leftmost on ties. That is the loop of llama2.c's encode
 * (highest score first) and of Hugging Face's BPE (lowest merge rank first), done with a heap and a
 * linked list in O(n log n) instead of rescanning the sequence after every merge.
 */
final class BpeMerger {

  /** What merging a pair of adjacent token ids yields. */
  @FunctionalInterface
  interface MergeTable {
    /**
     * -1 when {@code left} and {@code right} do not merge; otherwise {@code (priority << 32) |
     * mergedId} with a priority in [0, Integer.MAX_VALUE], lower merging first.
     */
    long find(int left, int right);
  }

  private BpeMerger() {}

  static long pack(int priority, int mergedId) {
    return ((long) priority << 32) | (mergedId & 0xFFFFFFFFL);
  }

  /** Merges {@code ids[0..length)} as far as {@code table} allows and returns the result. */
  static int[] merge(int[] ids, int length, MergeTable table) {
    if (length < 2) {
      return Arrays.copyOf(ids, length);
    }
    int[] symbols = Arrays.copyOf(ids, length);
    int[] next = new int[length];
    int[] prev = new int[length];
    boolean[] gone = new boolean[length];
    for (int i = 0; i < length; i++) {
      next[i] = i + 1 < length ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // Entry: priority in the high half, position of the left symbol in the low half. Positions keep
    // their
    // left-to-right order through merges, so the natural order of entries is (priority, leftmost).
    PriorityQueue<Long> heap = new PriorityQueue<>();
    for (int i = 0; i + 1 < length; i++) {
      offer(heap, table, symbols, next, i);
    }
    int remaining = length;
    while (!heap.isEmpty()) {
      long entry = heap.poll();
      int pos = (int) entry;
      int right = next[pos];
      if (gone[pos] || right < 0) {
        continue;
      }
      long found = table.find(symbols[pos], symbols[right]);
      // A stale entry: the pair changed since it was queued. The current pair has its own entry.
      if (found < 0 || (found >>> 32) != (entry >>> 32)) {
        continue;
      }
      symbols[pos] = (int) found;
      gone[right] = true;
      next[pos] = next[right];
      if (next[right] >= 0) {
        prev[next[right]] = pos;
      }
      remaining--;
      if (prev[pos] >= 0) {
        offer(heap, table, symbols, next, prev[pos]);
      }
      offer(heap, table, symbols, next, pos);
    }
    int[] out = new int[remaining];
    for (int i = 0, o = 0; i >= 0; i = next[i]) {
      out[o++] = symbols[i];
    }
    return out;
  }

  private static void offer(
      PriorityQueue<Long> heap, MergeTable table, int[] symbols, int[] next, int pos) {
    int right = next[pos];
    if (right < 0) {
      return;
    }
    long found = table.find(symbols[pos], symbols[right]);
    if (found >= 0) {
      heap.add(((found >>> 32) << 32) | pos);
    }
  }
}
