package dev.edgesplit.bench;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.segment.WeightFormat;

/**
 * Bytes of weights one decode step reads, as the segment writer stores them: every projection of
 * every layer and the LM head once (quantized formats add an fp32 scale and a packed zero point per
 * block), norms in fp32, and a single fp32 embedding row (a gather, not the table). The KV cache is
 * not counted: it is not weights.
 */
public final class WeightTraffic {

  private final ModelConfig config;
  private final WeightFormat format;
  private final int blockSize;

  public WeightTraffic(ModelConfig config, WeightFormat format, int blockSize) {
    if (blockSize < 1) {
      throw new IllegalArgumentException("block size must be positive, got " + blockSize);
    }
    this.config = config;
    this.format = format;
    this.blockSize = blockSize;
  }

  /** Bytes per stored parameter of a projection. */
  public double bytesPerParameter() {
    if (!format.quantized()) {
      return Float.BYTES;
    }
    double packed = format.bits() / 8.0;
    return packed + (double) Float.BYTES / blockSize + packed / blockSize;
  }

  /** One decoder layer: its projections, biases and two norms. */
  public double layerBytes() {
    int d = config.dim();
    long projections = 2L * d * d + 2L * d * config.kvDim() + 3L * d * config.hiddenDim();
    long fp32 = 2L * d + (config.attentionBias() ? d + 2L * config.kvDim() : 0);
    return projections * bytesPerParameter() + fp32 * Float.BYTES;
  }

  /** Final norm and LM head. */
  public double headBytes() {
    return (double) config.vocabSize() * config.dim() * bytesPerParameter()
        + (double) config.dim() * Float.BYTES;
  }

  /** One token through the whole model: an embedding row, every layer, the head. */
  public double perToken() {
    return (double) config.dim() * Float.BYTES + config.nLayers() * layerBytes() + headBytes();
  }
}
