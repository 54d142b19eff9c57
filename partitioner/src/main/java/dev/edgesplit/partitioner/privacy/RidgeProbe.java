package dev.edgesplit.partitioner.privacy;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * A linear probe: ridge regression from {@code [h_k, 1]} to the one-hot token id over the tokens
 * seen in training, predicting the highest score. The ridge strength is chosen on the last quarter
 * of the training sequences, then the probe is refit on all of them. Optionally on RMS-normalised
 * states, which removes the growth of the residual stream's scale along a sequence.
 */
public final class RidgeProbe implements InversionAttack {

  // Ridge strengths relative to the mean diagonal of X^T X.
  private static final double[] STRENGTHS = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1};

  private final boolean normed;

  public RidgeProbe(boolean normed) {
    this.normed = normed;
  }

  @Override
  public String name() {
    return normed ? "ridge-norm" : "ridge";
  }

  @Override
  public String method() {
    return "ridge regression "
        + (normed ? "of h_k / rms(h_k)" : "of h_k")
        + " onto one-hot token ids, "
        + "fit on the training sequences (strength chosen on a held-back quarter of them)";
  }

  @Override
  public int[] recover(ActivationBank bank, AttackerKnowledge k, int cut, Split split) {
    int[] classes =
        Arrays.stream(split.train()).map(i -> bank.tokens()[i]).distinct().sorted().toArray();
    Split inner = innerSplit(bank, split.train());
    double bestStrength = STRENGTHS[0];
    int bestCorrect = -1;
    if (inner != null) {
      for (double s : STRENGTHS) {
        int[] guess = fitAndPredict(bank, cut, inner, classes, s);
        int correct = 0;
        for (int i = 0; i < guess.length; i++) {
          correct += guess[i] == bank.tokens()[inner.test()[i]] ? 1 : 0;
        }
        if (correct > bestCorrect) {
          bestCorrect = correct;
          bestStrength = s;
        }
      }
    }
    return fitAndPredict(bank, cut, split, classes, bestStrength);
  }

  /**
   * The training positions split again by sequence: three quarters to fit, one to choose the
   * strength.
   */
  private static Split innerSplit(ActivationBank bank, int[] train) {
    int[] seqs = Arrays.stream(train).map(i -> bank.sequence()[i]).distinct().sorted().toArray();
    if (seqs.length < 2) {
      return null;
    }
    int firstValidation = seqs[Math.min(seqs.length - 1, (int) Math.round(seqs.length * 0.75))];
    return new Split(
        Arrays.stream(train).filter(i -> bank.sequence()[i] < firstValidation).toArray(),
        Arrays.stream(train).filter(i -> bank.sequence()[i] >= firstValidation).toArray());
  }

  private int[] fitAndPredict(
      ActivationBank bank, int cut, Split split, int[] classes, double strength) {
    int p = bank.dim() + 1;
    int c = classes.length;
    double[] gram = new double[p * p];
    double[] targets = new double[p * c]; // [p, C]: X^T Y
    for (int i : split.train()) {
      double[] x = features(bank, cut, i);
      int cls = Arrays.binarySearch(classes, bank.tokens()[i]);
      for (int a = 0; a < p; a++) {
        targets[a * c + cls] += x[a];
        for (int b = 0; b <= a; b++) {
          gram[a * p + b] += x[a] * x[b];
        }
      }
    }
    double trace = 0;
    for (int a = 0; a < p; a++) {
      trace += gram[a * p + a];
    }
    double lambda = strength * Math.max(trace / p, 1e-12);
    for (int a = 0; a < p; a++) {
      gram[a * p + a] += lambda;
    }
    double[] w = Cholesky.solve(gram, p, targets, c); // [p, C]
    int[] test = split.test();
    return IntStream.range(0, test.length)
        .parallel()
        .map(
            t -> {
              double[] x = features(bank, cut, test[t]);
              double[] scores = new double[c];
              for (int a = 0; a < p; a++) {
                double xa = x[a];
                int base = a * c;
                for (int j = 0; j < c; j++) {
                  scores[j] += xa * w[base + j];
                }
              }
              int best = 0;
              for (int j = 1; j < c; j++) {
                if (scores[j] > scores[best]) {
                  best = j;
                }
              }
              return classes[best];
            })
        .toArray();
  }

  private double[] features(ActivationBank bank, int cut, int i) {
    float[] h = bank.row(cut, i);
    if (normed) {
      h = Vectors.rmsNorm(h, null, 1e-6f);
    }
    double[] x = new double[h.length + 1];
    for (int a = 0; a < h.length; a++) {
      x[a] = h[a];
    }
    x[h.length] = 1;
    return x;
  }
}
