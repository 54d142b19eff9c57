package dev.edgesplit.planner;

import dev.edgesplit.engine.segment.WeightFormat;

/**
 * Bytes per parameter of a weight format as stored by the segment writer: fp32 is 4; blockwise
 * formats add an fp32 scale and a packed zero point per block of {@value #BLOCK} weights
 * (MatMulNBits layout).
 */
final class WeightBytes {

  static final int BLOCK = 32;

  private WeightBytes() {}

  static double perParameter(WeightFormat format) {
    if (!format.quantized()) {
      return 4.0;
    }
    double weight = format.bits() / 8.0;
    double scale = 4.0 / BLOCK;
    double zeroPoint = format.bits() / 8.0 / BLOCK;
    return weight + scale + zeroPoint;
  }
}
