package dev.edgesplit.partitioner.quant;

/**
 * GPTQ (Frantar et al., ICLR 2023) in MatMulNBits' blockwise layout: columns are quantized one at a
 * time and each column's rounding error is spread over the columns not yet quantized, in proportion
 * to how the layer's calibration inputs correlate them (the inverse Hessian {@code (X^T X)^-1}). A
 * block's scale and zero point are chosen when its first column is reached, from the weights as
 * updated by then.
 */
public final class GptqQuantizer {

  /** Added to the Hessian's diagonal, relative to its mean, so that it can be inverted. */
  private static final double DAMPING = 0.01;

  private final BlockwiseQuantizer blocks;

  public GptqQuantizer(BlockwiseQuantizer blocks) {
    this.blocks = blocks;
  }

  /**
   * @param w row-major {@code [n, k]} weights ({@code [out, in]})
   * @param inputs calibration inputs of this layer, each {@code [k]}
   */
  public QuantizedMatrix quantize(float[] w, int n, int k, float[][] inputs) {
    double[][] u = inverseHessianCholesky(inputs, k);
    int bs = blocks.blockSize();
    int blocksPerRow = (k + bs - 1) / bs;
    int bits = blocks.bits();
    int zpPerRow = bits == 8 ? blocksPerRow : (blocksPerRow + 1) / 2;
    byte[] packed = new byte[n * blocksPerRow * (bs * bits / 8)];
    float[] scales = new float[n * blocksPerRow];
    byte[] zeroPoints = new byte[n * zpPerRow];
    float[] work = w.clone();
    float[] rowErrors = new float[n];
    for (int col = 0; col < k; col++) {
      int block = col / bs;
      if (col % bs == 0) {
        int length = Math.min(bs, k - col);
        for (int row = 0; row < n; row++) {
          long params = blocks.blockParams(work, row * k + col, length, null, 0);
          scales[row * blocksPerRow + block] = Float.intBitsToFloat((int) (params >>> 32));
          blocks.setZeroPoint(zeroPoints, row * zpPerRow, block, (int) params);
        }
      }
      double pivot = u[col][col];
      for (int row = 0; row < n; row++) {
        float scale = scales[row * blocksPerRow + block];
        int zp = zeroPoint(zeroPoints, row * zpPerRow, block, bits);
        float v = work[row * k + col];
        int q = blocks.code(v, scale, zp);
        blocks.pack(packed, row, col, blocksPerRow, q);
        rowErrors[row] = (float) ((v - (q - zp) * scale) / pivot);
      }
      for (int later = col + 1; later < k; later++) {
        float factor = (float) u[col][later];
        if (factor == 0f) {
          continue;
        }
        for (int row = 0; row < n; row++) {
          work[row * k + later] -= rowErrors[row] * factor;
        }
      }
    }
    // The padding of a partial last block holds the zero point (it stands for 0).
    for (int col = k; col < blocksPerRow * bs; col++) {
      for (int row = 0; row < n; row++) {
        blocks.pack(
            packed, row, col, blocksPerRow, zeroPoint(zeroPoints, row * zpPerRow, col / bs, bits));
      }
    }
    return new QuantizedMatrix(n, k, bits, bs, packed, scales, zeroPoints);
  }

  private static int zeroPoint(byte[] zeroPoints, int rowBase, int block, int bits) {
    if (bits == 8) {
      return zeroPoints[rowBase + block] & 0xff;
    }
    int b = zeroPoints[rowBase + block / 2] & 0xff;
    return (block & 1) == 0 ? b & 0x0f : b >>> 4;
  }

  /**
   * Upper Cholesky factor U of {@code (X^T X + damping)^-1}, so that the inverse is {@code U^T U}.
   */
  static double[][] inverseHessianCholesky(float[][] inputs, int k) {
    double[][] h = new double[k][k];
    for (float[] x : inputs) {
      for (int i = 0; i < k; i++) {
        double xi = x[i];
        if (xi == 0) {
          continue;
        }
        for (int j = i; j < k; j++) {
          h[i][j] += xi * x[j];
        }
      }
    }
    double meanDiag = 0;
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < i; j++) {
        h[i][j] = h[j][i];
      }
      meanDiag += h[i][i];
    }
    meanDiag /= k;
    double damp = DAMPING * (meanDiag > 0 ? meanDiag : 1);
    for (int i = 0; i < k; i++) {
      // A channel that never fired gets a unit diagonal: its error spreads nowhere.
      h[i][i] = h[i][i] == 0 ? 1 : h[i][i] + damp;
    }
    double[][] l = cholesky(h); // H = L L^T
    double[][] lInv = invertLower(l); // L^-1
    double[][] inv = new double[k][k]; // H^-1 = L^-T L^-1
    for (int i = 0; i < k; i++) {
      for (int j = i; j < k; j++) {
        double sum = 0;
        for (int m = j; m < k; m++) {
          sum += lInv[m][i] * lInv[m][j];
        }
        inv[i][j] = sum;
        inv[j][i] = sum;
      }
    }
    double[][] lower = cholesky(inv); // H^-1 = C C^T, so U = C^T
    double[][] u = new double[k][k];
    for (int i = 0; i < k; i++) {
      for (int j = i; j < k; j++) {
        u[i][j] = lower[j][i];
      }
    }
    return u;
  }

  private static double[][] cholesky(double[][] a) {
    int k = a.length;
    double[][] l = new double[k][k];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i][j];
        for (int m = 0; m < j; m++) {
          sum -= l[i][m] * l[j][m];
        }
        if (i == j) {
          if (!(sum > 0)) {
            throw new IllegalStateException(
                "calibration Hessian is not positive definite at column " + i);
          }
          l[i][i] = Math.sqrt(sum);
        } else {
          l[i][j] = sum / l[j][j];
        }
      }
    }
    return l;
  }

  private static double[][] invertLower(double[][] l) {
    int k = l.length;
    double[][] inv = new double[k][k];
    for (int i = 0; i < k; i++) {
      inv[i][i] = 1 / l[i][i];
      for (int j = 0; j < i; j++) {
        double sum = 0;
        for (int m = j; m < i; m++) {
          sum -= l[i][m] * inv[m][j];
        }
        inv[i][j] = sum / l[i][i];
      }
    }
    return inv;
  }
}
