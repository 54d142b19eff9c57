package dev.edgesplit.partitioner.privacy;

import java.util.stream.IntStream;

/**
 * Guesses the token whose embedding row is nearest to {@code h_k}: the residual stream of a
 * pre-norm transformer keeps the input embedding as its largest part for the first layers. Needs no
 * training, only the weights. Optionally both sides go through the model's own RMSNorm at that cut
 * first.
 */
public final class NearestEmbedding implements InversionAttack {

  /** How nearness is measured. */
  public enum Metric {
    COSINE,
    L2
  }

  private final Metric metric;
  private final boolean normed;

  public NearestEmbedding(Metric metric, boolean normed) {
    this.metric = metric;
    this.normed = normed;
  }

  @Override
  public String name() {
    return "emb-" + (metric == Metric.COSINE ? "cos" : "l2") + (normed ? "-norm" : "");
  }

  @Override
  public String method() {
    return "nearest embedding row by "
        + (metric == Metric.COSINE ? "cosine similarity" : "L2 distance")
        + (normed ? ", both through the model's RMSNorm at the cut" : " to the raw hidden state");
  }

  @Override
  public int[] recover(ActivationBank bank, AttackerKnowledge k, int cut, Split split) {
    int d = k.dim();
    float[] rows = new float[k.vocab() * d];
    for (int v = 0; v < k.vocab(); v++) {
      System.arraycopy(prepare(k.embeddingRow(v), k, cut), 0, rows, v * d, d);
    }
    float[] reference = metric == Metric.COSINE ? Vectors.unitRows(rows, d) : rows;
    double[] halfSquares = new double[k.vocab()];
    for (int v = 0; v < k.vocab(); v++) {
      halfSquares[v] = 0.5 * Vectors.dot(rows, v * d, rows, v * d, d);
    }
    int[] test = split.test();
    return IntStream.range(0, test.length)
        .parallel()
        .map(
            i -> {
              float[] h = prepare(bank.row(cut, test[i]), k, cut);
              int best = 0;
              double bestScore = Double.NEGATIVE_INFINITY;
              for (int v = 0; v < k.vocab(); v++) {
                // cosine: <h, e/|e|> ranks like cos(h, e); L2: -|h - e|^2 / 2 = <h, e> - |e|^2 / 2
                // - |h|^2 / 2.
                double score =
                    Vectors.dot(h, 0, reference, v * d, d)
                        - (metric == Metric.L2 ? halfSquares[v] : 0);
                if (score > bestScore) {
                  bestScore = score;
                  best = v;
                }
              }
              return best;
            })
        .toArray();
  }

  private float[] prepare(float[] x, AttackerKnowledge k, int cut) {
    return normed ? k.normalize(x, cut) : x;
  }
}
