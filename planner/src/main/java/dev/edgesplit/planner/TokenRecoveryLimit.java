package dev.edgesplit.planner;

import java.util.Locale;

/**
 * The privacy floor measured by an inversion audit ({@code edgesplit privacy}): a cut is rejected
 * when the share of tokens a cloud operator recovers from what crosses the link there exceeds
 * {@code maxShare}.
 *
 * @param maxShare largest tolerated share of recovered tokens, in [0, 1]
 * @param shareByCut measured share at cut 0..N (the best attack at each cut); the edge-only row
 *     recovers none
 */
public record TokenRecoveryLimit(double maxShare, double[] shareByCut) {

  public TokenRecoveryLimit {
    if (!(maxShare >= 0 && maxShare <= 1)) {
      throw new IllegalArgumentException("max token recovery must be in [0, 1], got " + maxShare);
    }
    shareByCut = shareByCut.clone();
  }

  @Override
  public double[] shareByCut() {
    return shareByCut.clone();
  }

  /**
   * Why {@code cut} breaks the limit, or null when it keeps it (or the audit has no row for it).
   */
  String rejection(int cut, boolean edgeOnly) {
    return edgeOnly ? null : rejection(cut, cut);
  }

  /**
   * Why a worker that receives {@code h_from} and computes up to {@code h_to} (the U shape's range,
   * {@code from == to} for a plain cut) breaks the limit: the best attack on any of those states.
   * Null when it keeps it (or the audit has no row for them).
   */
  String rejection(int from, int to) {
    int worst = -1;
    for (int k = from; k <= Math.min(to, shareByCut.length - 1); k++) {
      if (worst < 0 || shareByCut[k] > shareByCut[worst]) {
        worst = k;
      }
    }
    if (worst < 0 || shareByCut[worst] <= maxShare) {
      return null;
    }
    return String.format(
        Locale.ROOT,
        "audit recovers %.1f%% of tokens%s > max %.1f%%",
        100 * shareByCut[worst],
        from == to ? "" : " at h_" + worst,
        100 * maxShare);
  }
}
