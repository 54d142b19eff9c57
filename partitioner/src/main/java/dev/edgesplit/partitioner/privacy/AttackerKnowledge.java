package dev.edgesplit.partitioner.privacy;

import dev.edgesplit.partitioner.model.ModelWeights;

/**
 * What a cloud operator holding the model's weights knows besides the hidden states: the embedding
 * matrix and the RMSNorm weight the model applies to {@code h_k} next (layer k's attention norm, or
 * the final norm at k = N).
 *
 * @param vocab vocabulary size V
 * @param dim hidden size d
 * @param embedding token embedding rows // [V * d]
 * @param normWeights norm weight applied to h_k, by cut // [N + 1][d]
 * @param normEps the norms' epsilon
 * @param lmHead the LM head's rows // [V * d]
 */
public record AttackerKnowledge(
    int vocab, int dim, float[] embedding, float[][] normWeights, float normEps, float[] lmHead) {

  public AttackerKnowledge {
    if (embedding.length != (long) vocab * dim) {
      throw new IllegalArgumentException(
          "embedding holds " + embedding.length + " values, expected " + vocab + " x " + dim);
    }
  }

  /** The embedding and norms of {@code model}. */
  public static AttackerKnowledge of(ModelWeights model) {
    int n = model.config().nLayers();
    float[][] norms = new float[n + 1][];
    for (int k = 0; k < n; k++) {
      norms[k] = model.layer(k, "attention_norm").data();
    }
    norms[n] = model.tensor("norm").data();
    return new AttackerKnowledge(
        model.config().vocabSize(),
        model.config().dim(),
        model.tensor("tok_embeddings").data(),
        norms,
        model.config().normEps(),
        model.lmHead().data());
  }

  /** {@code x / rms(x) * weight}: what the model's norm makes of {@code x} at {@code cut}. */
  public float[] normalize(float[] x, int cut) {
    return Vectors.rmsNorm(x, normWeights[cut], normEps);
  }

  /** Embedding row of {@code token}, copied. */
  public float[] embeddingRow(int token) {
    float[] out = new float[dim];
    System.arraycopy(embedding, token * dim, out, 0, dim);
    return out;
  }
}
