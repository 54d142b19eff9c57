package dev.edgesplit.partitioner.onnx;

/**
 * Compile-time choices for segments.
 *
 * @param maxContext positions the RoPE tables cover (the runtime KV cache can be at most this long)
 * @param blockSize MatMulNBits block size for quantized weights
 * @param accuracyLevel MatMulNBits accuracy_level: 0 exact fp32 compute, 4 int8 compute (faster,
 *     small error)
 * @param fusedRotary let GroupQueryAttention apply RoPE where the head size allows (multiple of 16)
 */
public record SegmentOptions(
    int maxContext, int blockSize, int accuracyLevel, boolean fusedRotary) {

  public SegmentOptions {
    if (maxContext <= 0) {
      throw new IllegalArgumentException("maxContext must be positive, got " + maxContext);
    }
    if (accuracyLevel < 0 || accuracyLevel > 4) {
      throw new IllegalArgumentException("accuracy level must be 0..4, got " + accuracyLevel);
    }
  }

  public static SegmentOptions defaults(int maxContext) {
    return new SegmentOptions(maxContext, 32, 0, true);
  }
}
