package dev.edgesplit.partitioner.privacy;

/** Solves {@code A X = B} for a symmetric positive-definite {@code A} (lower triangle read). */
final class Cholesky {

  private Cholesky() {}

  /**
   * @param a lower triangle of A, row-major // [n, n]; overwritten with its factor
   * @param b right-hand sides // [n, m]
   * @return X // [n, m]
   */
  static double[] solve(double[] a, int n, double[] b, int m) {
    for (int j = 0; j < n; j++) {
      double diag = a[j * n + j];
      for (int k = 0; k < j; k++) {
        diag -= a[j * n + k] * a[j * n + k];
      }
      if (!(diag > 0)) {
        throw new ArithmeticException("matrix is not positive definite at row " + j);
      }
      double l = Math.sqrt(diag);
      a[j * n + j] = l;
      for (int i = j + 1; i < n; i++) {
        double s = a[i * n + j];
        for (int k = 0; k < j; k++) {
          s -= a[i * n + k] * a[j * n + k];
        }
        a[i * n + j] = s / l;
      }
    }
    double[] x = b.clone();
    for (int i = 0; i < n; i++) { // L y = b
      for (int k = 0; k < i; k++) {
        double lik = a[i * n + k];
        for (int c = 0; c < m; c++) {
          x[i * m + c] -= lik * x[k * m + c];
        }
      }
      double inv = 1 / a[i * n + i];
      for (int c = 0; c < m; c++) {
        x[i * m + c] *= inv;
      }
    }
    for (int i = n - 1; i >= 0; i--) { // L^T x = y
      for (int k = i + 1; k < n; k++) {
        double lki = a[k * n + i];
        for (int c = 0; c < m; c++) {
          x[i * m + c] -= lki * x[k * m + c];
        }
      }
      double inv = 1 / a[i * n + i];
      for (int c = 0; c < m; c++) {
        x[i * m + c] *= inv;
      }
    }
    return x;
  }
}
