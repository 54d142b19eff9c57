package dev.edgesplit.partitioner.model;

import java.util.List;

/**
 * A weight matrix {@code [n, k]} whose file already holds it as blocks that ONNX Runtime's
 * MatMulNBits represents exactly (GGUF Q8_0 and Q4_0), converted to MatMulNBits' layout: a
 * quantized segment uses these bytes as they are instead of rounding the fp32 values again.
 *
 * @param sourceType the file's block format ("Q8_0", "Q4_0"), for reports
 * @param n output features (rows)
 * @param k input features, a multiple of {@code blockSize}
 * @param bits 4 or 8
 * @param blockSize values per block along k
 * @param packed {@code [n, k/blockSize, blockSize*bits/8]}; for 4 bits the low nibble holds the
 *     even k
 * @param scales {@code [n * k/blockSize]}
 * @param zeroPoints {@code [n * zeroPointBytesPerRow]}; for 4 bits two per byte, low nibble first
 */
public record ExactBlocks(
    String sourceType,
    int n,
    int k,
    int bits,
    int blockSize,
    byte[] packed,
    float[] scales,
    byte[] zeroPoints) {

  public ExactBlocks {
    if (bits != 4 && bits != 8) {
      throw new IllegalArgumentException("bits must be 4 or 8, got " + bits);
    }
    if (n <= 0 || k <= 0 || blockSize <= 0 || k % blockSize != 0) {
      throw new IllegalArgumentException(
          "bad block matrix [" + n + ", " + k + "] with blocks of " + blockSize);
    }
    long blocks = (long) n * (k / blockSize);
    if (packed.length != blocks * blockSize * bits / 8
        || scales.length != blocks
        || zeroPoints.length != (long) n * zeroPointBytesPerRow(k / blockSize, bits)) {
      throw new IllegalArgumentException(
          "block arrays do not match [" + n + ", " + k + "] at " + bits + " bits");
    }
  }

  public int blocksPerRow() {
    return k / blockSize;
  }

  static int zeroPointBytesPerRow(int blocksPerRow, int bits) {
    return bits == 8 ? blocksPerRow : (blocksPerRow + 1) / 2;
  }

  /** The rows of {@code parts} one after another (blocks never span rows, so rows stack freely). */
  public static ExactBlocks stack(List<ExactBlocks> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    ExactBlocks first = parts.get(0);
    int n = 0;
    for (ExactBlocks p : parts) {
      if (p.k != first.k || p.bits != first.bits || p.blockSize != first.blockSize) {
        throw new IllegalArgumentException("cannot stack blocks of different shapes or widths");
      }
      n += p.n;
    }
    return new ExactBlocks(
        first.sourceType,
        n,
        first.k,
        first.bits,
        first.blockSize,
        concat(parts.stream().map(ExactBlocks::packed).toList()),
        concatFloats(parts.stream().map(ExactBlocks::scales).toList()),
        concat(parts.stream().map(ExactBlocks::zeroPoints).toList()));
  }

  private static byte[] concat(List<byte[]> arrays) {
    byte[] out = new byte[arrays.stream().mapToInt(a -> a.length).sum()];
    int at = 0;
    for (byte[] a : arrays) {
      System.arraycopy(a, 0, out, at, a.length);
      at += a.length;
    }
    return out;
  }

  private static float[] concatFloats(List<float[]> arrays) {
    float[] out = new float[arrays.stream().mapToInt(a -> a.length).sum()];
    int at = 0;
    for (float[] a : arrays) {
      System.arraycopy(a, 0, out, at, a.length);
      at += a.length;
    }
    return out;
  }
}
