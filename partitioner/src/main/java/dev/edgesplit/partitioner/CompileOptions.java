package dev.edgesplit.partitioner;

import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.partitioner.quant.QuantMethod;
import java.util.Objects;

/**
 * What to compile.
 *
 * @param cut the layer cut for one edge and one cloud segment, or null for per-layer segments
 * @param edgeWeights weight format of layers run on the edge
 * @param cloudWeights weight format of layers run on the cloud
 * @param segment graph-level options (context, block size, accuracy level)
 * @param quantMethod how quantized weights are rounded (calibrated methods read a built-in text)
 */
public record CompileOptions(
    Integer cut,
    WeightFormat edgeWeights,
    WeightFormat cloudWeights,
    SegmentOptions segment,
    QuantMethod quantMethod) {

  public CompileOptions {
    Objects.requireNonNull(edgeWeights, "edgeWeights");
    Objects.requireNonNull(cloudWeights, "cloudWeights");
    Objects.requireNonNull(segment, "segment");
    Objects.requireNonNull(quantMethod, "quantMethod");
  }

  public CompileOptions(
      Integer cut, WeightFormat edgeWeights, WeightFormat cloudWeights, SegmentOptions segment) {
    this(cut, edgeWeights, cloudWeights, segment, QuantMethod.RTN);
  }
}
