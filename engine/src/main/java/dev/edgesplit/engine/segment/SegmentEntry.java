package dev.edgesplit.engine.segment;

import java.util.Objects;

/**
 * One segment file of a compiled model, as listed in its manifest.
 *
 * @param file file name inside the compiled model's directory
 * @param sha256 hex digest of the file, checked when the segment is opened
 */
public record SegmentEntry(
    String file,
    int firstLayer,
    int endLayer,
    boolean embedding,
    boolean head,
    WeightFormat weights,
    String sha256) {

  public SegmentEntry {
    Objects.requireNonNull(file, "file");
    if (file.contains("/") || file.contains("\\") || file.startsWith(".")) {
      throw new IllegalArgumentException(
          "segment file must be a plain file name, got '" + file + "'");
    }
    spec(firstLayer, endLayer, embedding, head, weights);
  }

  public SegmentSpec spec() {
    return spec(firstLayer, endLayer, embedding, head, weights);
  }

  private static SegmentSpec spec(
      int first, int end, boolean embedding, boolean head, WeightFormat weights) {
    return new SegmentSpec(first, end, embedding, head, weights);
  }
}
