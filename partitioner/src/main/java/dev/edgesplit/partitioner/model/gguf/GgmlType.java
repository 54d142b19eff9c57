package dev.edgesplit.partitioner.model.gguf;

/**
 * The GGML tensor types edgesplit reads, with their block geometry: {@code blockValues} values are
 * stored in {@code blockBytes} bytes, along the first (contiguous) dimension.
 */
enum GgmlType {
  F32(0, 1, 4),
  F16(1, 1, 2),
  Q4_0(2, 32, 18),
  Q8_0(8, 32, 34),
  Q4_K(12, 256, 144),
  Q5_K(13, 256, 176),
  Q6_K(14, 256, 210),
  BF16(30, 1, 2);

  final int id;
  final int blockValues;
  final int blockBytes;

  GgmlType(int id, int blockValues, int blockBytes) {
    this.id = id;
    this.blockValues = blockValues;
    this.blockBytes = blockBytes;
  }

  /** The type with this GGML id, or null when edgesplit cannot read it. */
  static GgmlType byId(long id) {
    for (GgmlType t : values()) {
      if (t.id == id) {
        return t;
      }
    }
    return null;
  }

  /** True for the K-quants, whose sub-block minimums MatMulNBits cannot hold exactly. */
  boolean kQuant() {
    return this == Q4_K || this == Q5_K || this == Q6_K;
  }

  /**
   * True for the block formats that map onto MatMulNBits without rounding (blocks of 32, integer
   * zero point).
   */
  boolean exactInMatMulNBits() {
    return this == Q4_0 || this == Q8_0;
  }
}
