package dev.edgesplit.partitioner.quant;

/**
 * Asymmetric blockwise round-to-nearest quantization to 4 or 8 bits with a zero point per block.
 * The block range always includes 0 so that zero weights (and the padding of a partial last block)
 * stay exact.
 */
public final class BlockwiseQuantizer {

  public static final int DEFAULT_BLOCK = 32;
  private static final int CLIP_STEPS = 16;
  private static final float CLIP_DELTA = 0.025f;

  private final int bits;
  private final int blockSize;

  public BlockwiseQuantizer(int bits, int blockSize) {
    if (bits != 4 && bits != 8) {
      throw new IllegalArgumentException("bits must be 4 or 8, got " + bits);
    }
    if (blockSize < 16 || Integer.bitCount(blockSize) != 1) {
      throw new IllegalArgumentException(
          "block size must be a power of two >= 16, got " + blockSize);
    }
    this.bits = bits;
    this.blockSize = blockSize;
  }

  public static BlockwiseQuantizer int4() {
    return new BlockwiseQuantizer(4, DEFAULT_BLOCK);
  }

  public static BlockwiseQuantizer int8() {
    return new BlockwiseQuantizer(8, DEFAULT_BLOCK);
  }

  public int bits() {
    return bits;
  }

  /** Quantizes a row-major {@code [n, k]} matrix, every input channel weighted alike. */
  public QuantizedMatrix quantize(float[] w, int n, int k) {
    return quantize(w, n, k, null);
  }

  /**
   * Quantizes a row-major {@code [n, k]} matrix, choosing each block's range to minimise the
   * squared error weighted by {@code importance[k]} (e.g. the mean squared activation of each input
   * channel, AWQ-style), or uniformly when it is null.
   */
  public QuantizedMatrix quantize(float[] w, int n, int k, float[] importance) {
    if (importance != null && importance.length != k) {
      throw new IllegalArgumentException(
          "importance has " + importance.length + " channels, expected " + k);
    }
    if ((long) n * k != w.length) {
      throw new IllegalArgumentException(
          "matrix [" + n + "," + k + "] needs " + (long) n * k + " values, got " + w.length);
    }
    int blocks = (k + blockSize - 1) / blockSize;
    int blockBytes = blockSize * bits / 8;
    int zpPerRow = bits == 8 ? blocks : (blocks + 1) / 2;
    byte[] packed = new byte[n * blocks * blockBytes];
    float[] scales = new float[n * blocks];
    byte[] zeroPoints = new byte[n * zpPerRow];
    for (int row = 0; row < n; row++) {
      for (int b = 0; b < blocks; b++) {
        int start = b * blockSize;
        int end = Math.min(k, start + blockSize);
        long params = blockParams(w, row * k + start, end - start, importance, start);
        float scale = Float.intBitsToFloat((int) (params >>> 32));
        int zp = (int) params;
        scales[row * blocks + b] = scale;
        setZeroPoint(zeroPoints, row * zpPerRow, b, zp);
        for (int i = 0; i < blockSize; i++) {
          int c = start + i;
          // The padding of a partial last block holds the zero point: it stands for 0.
          pack(packed, row, c, blocks, c < end ? code(w[row * k + c], scale, zp) : zp);
        }
      }
    }
    return new QuantizedMatrix(n, k, bits, blockSize, packed, scales, zeroPoints);
  }

  /**
   * The scale and zero point of one block, {@code values[from .. from+length)}: the clipping of the
   * block's range (0 always included) whose rounding error, weighted by {@code importance[impFrom
   * ..]} when given, is smallest. Packed as {@code floatBits(scale) << 32 | zeroPoint} to stay
   * allocation-free.
   */
  long blockParams(float[] values, int from, int length, float[] importance, int impFrom) {
    int qmax = (1 << bits) - 1;
    float min = 0f;
    float max = 0f;
    for (int c = 0; c < length; c++) {
      float v = values[from + c];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("non-finite weight at offset " + (from + c));
      }
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    float scale = 1f;
    int zp = 0;
    double bestError = Double.POSITIVE_INFINITY;
    // Clipping the range trades a few large errors for finer steps everywhere: keep the best.
    for (int step = 0; step < CLIP_STEPS; step++) {
      float clip = 1f - step * CLIP_DELTA;
      float lo = min * clip;
      float hi = max * clip;
      float s = hi > lo ? (hi - lo) / qmax : 1f;
      int z = Math.max(0, Math.min(qmax, Math.round(-lo / s)));
      double error = 0;
      for (int c = 0; c < length; c++) {
        float v = values[from + c];
        int q = Math.max(0, Math.min(qmax, Math.round(v / s) + z));
        float e = (q - z) * s - v;
        error += (double) e * e * (importance == null ? 1f : importance[impFrom + c]);
      }
      if (error < bestError) {
        bestError = error;
        scale = s;
        zp = z;
      }
    }
    return ((long) Float.floatToRawIntBits(scale) << 32) | (zp & 0xffffffffL);
  }

  /** The integer code of {@code v} for a block with this scale and zero point. */
  int code(float v, float scale, int zeroPoint) {
    return Math.max(0, Math.min((1 << bits) - 1, Math.round(v / scale) + zeroPoint));
  }

  int blockSize() {
    return blockSize;
  }

  /** Writes one code into MatMulNBits' packed layout. */
  void pack(byte[] packed, int row, int col, int blocksPerRow, int q) {
    int b = col / blockSize;
    int i = col % blockSize;
    int base = (row * blocksPerRow + b) * (blockSize * bits / 8);
    if (bits == 8) {
      packed[base + i] = (byte) q;
    } else {
      packed[base + i / 2] |= (byte) ((i & 1) == 0 ? q : q << 4);
    }
  }

  void setZeroPoint(byte[] zeroPoints, int rowBase, int block, int zp) {
    if (bits == 8) {
      zeroPoints[rowBase + block] = (byte) zp;
    } else {
      zeroPoints[rowBase + block / 2] |= (byte) ((block & 1) == 0 ? zp : zp << 4);
    }
  }
}
