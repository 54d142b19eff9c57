package dev.edgesplit.engine.segment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finds the segments of a compiled model that together compute a wanted range (fewest files first).
 */
final class ChainPlanner {

  private final List<SegmentEntry> entries;

  ChainPlanner(List<SegmentEntry> entries) {
    this.entries =
        entries.stream()
            .sorted(
                Comparator.comparingInt((SegmentEntry e) -> e.endLayer() - e.firstLayer())
                    .reversed())
            .toList();
  }

  /**
   * Segments computing layers {@code [from, to)} in {@code format}, with the embedding first and/or
   * the head last when asked.
   */
  Optional<List<SegmentEntry>> chain(
      int from, int to, boolean embedding, boolean head, WeightFormat format) {
    List<SegmentEntry> path = new ArrayList<>();
    return search(from, to, embedding, head, format, path) ? Optional.of(path) : Optional.empty();
  }

  private boolean search(
      int pos,
      int to,
      boolean needEmbedding,
      boolean needHead,
      WeightFormat format,
      List<SegmentEntry> path) {
    if (pos == to && !needEmbedding && !needHead) {
      return true;
    }
    for (SegmentEntry e : entries) {
      boolean fits =
          e.firstLayer() == pos
              && e.endLayer() <= to
              && e.embedding() == needEmbedding
              && (!e.head() || (needHead && e.endLayer() == to))
              && (e.endLayer() == e.firstLayer() || e.weights() == format)
              && (e.endLayer() > pos || e.embedding() || e.head());
      if (fits) {
        path.add(e);
        if (search(e.endLayer(), to, false, needHead && !e.head(), format, path)) {
          return true;
        }
        path.remove(path.size() - 1);
      }
    }
    return false;
  }
}
