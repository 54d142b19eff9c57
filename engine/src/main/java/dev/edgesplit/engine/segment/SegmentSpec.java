package dev.edgesplit.engine.segment;

/**
 * What one ONNX segment computes: decoder layers {@code [firstLayer, endLayer)}, optionally
 * preceded by the token embedding and followed by the final norm and LM head.
 *
 * <p>A segment with the embedding takes {@code input_ids}; otherwise {@code hidden_in}. A segment
 * with the head returns the last position's {@code logits}; otherwise {@code hidden_out} for every
 * position.
 */
public record SegmentSpec(
    int firstLayer, int endLayer, boolean embedding, boolean head, WeightFormat weights) {

  public SegmentSpec {
    if (firstLayer < 0 || endLayer < firstLayer) {
      throw new IllegalArgumentException("bad layer range [" + firstLayer + "," + endLayer + ")");
    }
    if (embedding && firstLayer != 0) {
      throw new IllegalArgumentException("the embedding can only precede layer 0");
    }
    if (!embedding && !head && firstLayer == endLayer) {
      throw new IllegalArgumentException("an empty segment must carry the embedding or the head");
    }
    java.util.Objects.requireNonNull(weights, "weights");
  }

  public int layers() {
    return endLayer - firstLayer;
  }

  /** Edge side of cut k: embedding + layers [0,k). */
  public static SegmentSpec edge(int cut, WeightFormat weights) {
    return new SegmentSpec(0, cut, true, false, weights);
  }

  /** Cloud side of cut k for an N-layer model: layers [k,N) + final norm + LM head. */
  public static SegmentSpec cloud(int cut, int nLayers, WeightFormat weights) {
    return new SegmentSpec(cut, nLayers, false, true, weights);
  }
}
