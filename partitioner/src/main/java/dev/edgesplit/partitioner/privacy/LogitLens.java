package dev.edgesplit.partitioner.privacy;

import java.util.stream.IntStream;

/**
 * Guesses a token from the state of the position before it: the model's own final norm and LM head
 * applied to {@code h_k} there predict what comes next, and deep cuts carry that prediction almost
 * finished.
 */
public final class LogitLens implements InversionAttack {

  @Override
  public String name() {
    return "lens";
  }

  @Override
  public String method() {
    return "the model's final norm and LM head on h_k of the previous position (its next-token prediction)";
  }

  @Override
  public int[] recover(ActivationBank bank, AttackerKnowledge k, int cut, Split split) {
    int d = k.dim();
    int[] test = split.test();
    return IntStream.range(0, test.length)
        .parallel()
        .map(
            i -> {
              int previous = bank.previous(test[i]);
              if (previous < 0) {
                return -1;
              }
              float[] h = k.normalize(bank.row(cut, previous), k.normWeights().length - 1);
              int best = 0;
              double bestScore = Double.NEGATIVE_INFINITY;
              for (int v = 0; v < k.vocab(); v++) {
                double score = Vectors.dot(h, 0, k.lmHead(), v * d, d);
                if (score > bestScore) {
                  bestScore = score;
                  best = v;
                }
              }
              return best;
            })
        .toArray();
  }
}
