package dev.edgesplit.engine.sampling;

import java.util.Arrays;

/**
 * A draft's distribution q over the tokens it may have drafted at one position (sparse: the ids
 * with q > 0).
 *
 * @param tokens distinct ids in the vocabulary
 * @param probs q of each id, in (0, 1], summing to at most 1 (+ rounding)
 */
public record DraftDistribution(int[] tokens, float[] probs) {

  /** Slack for the sum of probabilities sent as float32. */
  public static final double SUM_TOLERANCE = 1e-3;

  public DraftDistribution {
    if (tokens.length != probs.length || tokens.length == 0) {
      throw new IllegalArgumentException(
          "a draft distribution needs as many probabilities as token ids, >= 1; got "
              + tokens.length
              + " ids and "
              + probs.length
              + " probabilities");
    }
    double sum = 0;
    for (float p : probs) {
      if (!(p > 0 && p <= 1)) {
        throw new IllegalArgumentException("draft probabilities must be in (0, 1], got " + p);
      }
      sum += p;
    }
    if (sum > 1 + SUM_TOLERANCE) {
      throw new IllegalArgumentException("draft probabilities sum to " + sum + " > 1");
    }
    int[] sorted = tokens.clone();
    Arrays.sort(sorted);
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] == sorted[i - 1]) {
        throw new IllegalArgumentException(
            "token id " + sorted[i] + " appears twice in a draft distribution");
      }
    }
  }

  /** The support of a dense distribution {@code q [vocab]}. */
  public static DraftDistribution ofDense(double[] q) {
    int n = 0;
    for (double v : q) {
      if (v > 0) {
        n++;
      }
    }
    int[] ids = new int[n];
    float[] probs = new float[n];
    int j = 0;
    for (int i = 0; i < q.length; i++) {
      if (q[i] > 0) {
        ids[j] = i;
        // float32 on the wire: a tiny q must stay > 0 (it was drawable).
        probs[j++] = Math.max(Float.MIN_NORMAL, (float) Math.min(1.0, q[i]));
      }
    }
    return new DraftDistribution(ids, probs);
  }

  /** q of {@code token}; 0 when it is not in the support. */
  public double probability(int token) {
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] == token) {
        return probs[i];
      }
    }
    return 0;
  }
}
