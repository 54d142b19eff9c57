package dev.edgesplit.partitioner.privacy;

/** The few vector operations the attacks share. */
final class Vectors {

  private Vectors() {}

  static double dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
    double acc = 0;
    for (int i = 0; i < n; i++) {
      acc += a[aOffset + i] * b[bOffset + i];
    }
    return acc;
  }

  static double norm(float[] a, int offset, int n) {
    return Math.sqrt(dot(a, offset, a, offset, n));
  }

  /** Rows of {@code rows} scaled to unit length (a zero row stays zero). */
  static float[] unitRows(float[] rows, int dim) {
    float[] out = new float[rows.length];
    for (int r = 0; r < rows.length / dim; r++) {
      double len = norm(rows, r * dim, dim);
      float inv = len > 0 ? (float) (1 / len) : 0f;
      for (int i = 0; i < dim; i++) {
        out[r * dim + i] = rows[r * dim + i] * inv;
      }
    }
    return out;
  }

  /** {@code x / rms(x) * weight}; a null weight scales by 1. */
  static float[] rmsNorm(float[] x, float[] weight, float eps) {
    double ss = dot(x, 0, x, 0, x.length);
    float inv = (float) (1.0 / Math.sqrt(ss / x.length + eps));
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * inv * (weight == null ? 1f : weight[i]);
    }
    return out;
  }
}
