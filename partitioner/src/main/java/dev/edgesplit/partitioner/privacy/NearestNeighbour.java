package dev.edgesplit.partitioner.privacy;

import java.util.stream.IntStream;

/**
 * Guesses the token of the most similar (cosine) hidden state in a bank the attacker recorded by
 * running the model on its own text: where a layer has mixed context into a token's state, states
 * of the same token in other contexts still sit close together.
 */
public final class NearestNeighbour implements InversionAttack {

  @Override
  public String name() {
    return "knn";
  }

  @Override
  public String method() {
    return "token of the nearest (cosine) hidden state at the same cut among the training positions";
  }

  @Override
  public int[] recover(ActivationBank bank, AttackerKnowledge k, int cut, Split split) {
    int d = bank.dim();
    int[] train = split.train();
    float[] rows = new float[train.length * d];
    for (int j = 0; j < train.length; j++) {
      System.arraycopy(bank.hidden()[cut], train[j] * d, rows, j * d, d);
    }
    float[] unit = Vectors.unitRows(rows, d);
    int[] test = split.test();
    return IntStream.range(0, test.length)
        .parallel()
        .map(
            i -> {
              float[] h = bank.row(cut, test[i]);
              int best = 0;
              double bestScore = Double.NEGATIVE_INFINITY;
              for (int j = 0; j < train.length; j++) {
                double score = Vectors.dot(h, 0, unit, j * d, d);
                if (score > bestScore) {
                  bestScore = score;
                  best = j;
                }
              }
              return bank.tokens()[train[best]];
            })
        .toArray();
  }
}
