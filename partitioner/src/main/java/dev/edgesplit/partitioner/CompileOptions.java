package dev.edgesplit.partitioner;

import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import java.util.Objects;

/**
 * What to compile.
 *
 * @param cut          the layer cut for one edge and one cloud segment, or null for per-layer segments
 * @param edgeWeights  weight format of layers run on the edge
 * @param cloudWeights weight format of layers run on the cloud
 * @param segment      graph-level options (context, block size, accuracy level)
 * @param calibrate    weight quantization errors by activations measured on a calibration text
 */
public record CompileOptions(
    Integer cut, WeightFormat edgeWeights, WeightFormat cloudWeights, SegmentOptions segment, boolean calibrate) {

  public CompileOptions {
    Objects.requireNonNull(edgeWeights, "edgeWeights");
    Objects.requireNonNull(cloudWeights, "cloudWeights");
    Objects.requireNonNull(segment, "segment");
  }

  public CompileOptions(Integer cut, WeightFormat edgeWeights, WeightFormat cloudWeights, SegmentOptions segment) {
    this(cut, edgeWeights, cloudWeights, segment, false);
  }
}
