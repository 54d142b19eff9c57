package dev.edgesplit.partitioner.cache;

import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.quant.QuantMethod;
import java.util.Objects;

/**
 * How a model is compiled into the cache: part of the cache key.
 *
 * @param edge weights of edge layers
 * @param cloud weights of cloud layers
 * @param maxContext longest context to compile for; 0 or less = the model's, capped at {@link
 *     ModelCache#DEFAULT_CONTEXT_CAP}
 * @param accuracyLevel MatMulNBits accuracy_level of int8/int4 weights (0 exact, 4 int8 compute)
 * @param blockSize quantization block size along the input dimension
 * @param quantMethod how int8/int4 weights are rounded
 */
public record CompileSettings(
    WeightFormat edge,
    WeightFormat cloud,
    int maxContext,
    int accuracyLevel,
    int blockSize,
    QuantMethod quantMethod) {

  public CompileSettings {
    Objects.requireNonNull(edge, "edge");
    Objects.requireNonNull(cloud, "cloud");
    Objects.requireNonNull(quantMethod, "quantMethod");
  }
}
