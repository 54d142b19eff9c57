package dev.edgesplit.partitioner.quant;

/**
 * A weight matrix {@code [n, k]} ({@code [out, in]}) quantized blockwise along k, laid out as ONNX
 * Runtime's MatMulNBits expects.
 *
 * @param n output features (rows)
 * @param k input features (columns)
 * @param bits 4 or 8
 * @param blockSize values per block along k (power of two, at least 16)
 * @param packed {@code [n, blocksPerRow, blockSize * bits / 8]}; for 4 bits the low nibble holds
 *     the even k
 * @param scales {@code [n * blocksPerRow]}
 * @param zeroPoints {@code [n * zeroPointBytesPerRow]}; for 4 bits two per byte, low nibble first
 */
public record QuantizedMatrix(
    int n, int k, int bits, int blockSize, byte[] packed, float[] scales, byte[] zeroPoints) {

  public int blocksPerRow() {
    return (k + blockSize - 1) / blockSize;
  }

  public int blockBytes() {
    return blockSize * bits / 8;
  }

  public int zeroPointBytesPerRow() {
    return bits == 8 ? blocksPerRow() : (blocksPerRow() + 1) / 2;
  }

  /** The quantized value at (row, col), 0 .. 2^bits - 1. */
  public int q(int row, int col) {
    int block = col / blockSize;
    int inBlock = col % blockSize;
    int base = (row * blocksPerRow() + block) * blockBytes();
    if (bits == 8) {
      return packed[base + inBlock] & 0xff;
    }
    int b = packed[base + inBlock / 2] & 0xff;
    return (inBlock & 1) == 0 ? b & 0x0f : b >>> 4;
  }

  public int zeroPoint(int row, int block) {
    if (bits == 8) {
      return zeroPoints[row * blocksPerRow() + block] & 0xff;
    }
    int b = zeroPoints[row * zeroPointBytesPerRow() + block / 2] & 0xff;
    return (block & 1) == 0 ? b & 0x0f : b >>> 4;
  }

  /** The fp32 matrix these bytes stand for, {@code [n, k]} row-major. */
  public float[] dequantize() {
    float[] out = new float[n * k];
    for (int row = 0; row < n; row++) {
      for (int col = 0; col < k; col++) {
        int block = col / blockSize;
        float scale = scales[row * blocksPerRow() + block];
        out[row * k + col] = (q(row, col) - zeroPoint(row, block)) * scale;
      }
    }
    return out;
  }

  /** Bytes this matrix occupies in a segment (weights, scales and zero points). */
  public long storageBytes() {
    return packed.length + scales.length * 4L + zeroPoints.length;
  }
}
