package dev.edgesplit.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The heap-based merger against the plain rescan loop of llama2.c's encode, on random merge tables.
 */
class BpeMergerTest {

  @Test
  void merge_equalsRescanLoop_onRandomTables() {
    SplittableRandom random = new SplittableRandom(42);
    for (int round = 0; round < 300; round++) {
      int alphabet = 2 + random.nextInt(4);
      Map<Long, Long> table = new HashMap<>();
      int nextId = alphabet;
      int mergeCount = random.nextInt(12);
      for (int m = 0; m < mergeCount; m++) {
        int left = random.nextInt(nextId);
        int right = random.nextInt(nextId);
        // Few distinct priorities, so ties (decided by position) are common.
        table.putIfAbsent(((long) left << 32) | right, BpeMerger.pack(random.nextInt(4), nextId++));
      }
      int length = random.nextInt(30);
      int[] ids = new int[length];
      for (int i = 0; i < length; i++) {
        ids[i] = random.nextInt(alphabet);
      }
      BpeMerger.MergeTable lookup = (l, r) -> table.getOrDefault(((long) l << 32) | r, -1L);
      assertThat(BpeMerger.merge(ids, length, lookup))
          .as("round %d", round)
          .containsExactly(rescan(ids, lookup));
    }
  }

  /** Reference: scan all pairs, merge the best (lowest priority, leftmost), repeat. */
  private static int[] rescan(int[] ids, BpeMerger.MergeTable table) {
    List<Integer> tokens = new ArrayList<>();
    for (int id : ids) {
      tokens.add(id);
    }
    while (true) {
      long bestPriority = Long.MAX_VALUE;
      int bestIndex = -1;
      int bestId = -1;
      for (int i = 0; i + 1 < tokens.size(); i++) {
        long found = table.find(tokens.get(i), tokens.get(i + 1));
        if (found >= 0 && (found >>> 32) < bestPriority) {
          bestPriority = found >>> 32;
          bestIndex = i;
          bestId = (int) found;
        }
      }
      if (bestIndex < 0) {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
      }
      tokens.set(bestIndex, bestId);
      tokens.remove(bestIndex + 1);
    }
  }
}
