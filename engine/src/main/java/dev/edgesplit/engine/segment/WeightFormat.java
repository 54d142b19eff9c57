package dev.edgesplit.engine.segment;

/** How a segment stores its projection weights. */
public enum WeightFormat {
  /** Plain fp32 MatMul. */
  FP32(32),
  /** Blockwise 8-bit MatMulNBits with zero points. */
  INT8(8),
  /** Blockwise 4-bit MatMulNBits with zero points. */
  INT4(4);

  private final int bits;

  WeightFormat(int bits) {
    this.bits = bits;
  }

  public int bits() {
    return bits;
  }

  public boolean quantized() {
    return this != FP32;
  }

  public static WeightFormat parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown weight format '" + text + "' (expected fp32, int8 or int4)", e);
    }
  }
}
