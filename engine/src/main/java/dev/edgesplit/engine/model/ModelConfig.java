package dev.edgesplit.engine.model;

/**
 * Shape and numerics of a Llama-family decoder, as imported from a checkpoint.
 *
 * @param architecture informative name ("llama2c", "llama", "qwen2", "synthetic-smollm2-135m", ...)
 * @param dim hidden size d
 * @param hiddenDim feed-forward size
 * @param nLayers number of decoder layers N
 * @param nHeads query heads
 * @param nKvHeads key/value heads (GQA when smaller than nHeads)
 * @param vocabSize vocabulary size
 * @param maxSeqLen longest context the model was trained for (positions 0..maxSeqLen-1)
 * @param ropeTheta RoPE base frequency
 * @param normEps RMSNorm epsilon
 * @param ropeInterleaved true when RoPE rotates adjacent pairs (llama2.c), false for halves
 *     (Hugging Face)
 * @param tiedEmbeddings true when the LM head reuses the token embedding
 * @param attentionBias true when q/k/v projections have biases (Qwen2)
 * @param ropeScaling RoPE frequency scaling (Llama 3.1/3.2), or null for none
 */
public record ModelConfig(
    String architecture,
    int dim,
    int hiddenDim,
    int nLayers,
    int nHeads,
    int nKvHeads,
    int vocabSize,
    int maxSeqLen,
    float ropeTheta,
    float normEps,
    boolean ropeInterleaved,
    boolean tiedEmbeddings,
    boolean attentionBias,
    RopeScaling ropeScaling) {

  /** A config without RoPE scaling. */
  public ModelConfig(
      String architecture,
      int dim,
      int hiddenDim,
      int nLayers,
      int nHeads,
      int nKvHeads,
      int vocabSize,
      int maxSeqLen,
      float ropeTheta,
      float normEps,
      boolean ropeInterleaved,
      boolean tiedEmbeddings,
      boolean attentionBias) {
    this(
        architecture,
        dim,
        hiddenDim,
        nLayers,
        nHeads,
        nKvHeads,
        vocabSize,
        maxSeqLen,
        ropeTheta,
        normEps,
        ropeInterleaved,
        tiedEmbeddings,
        attentionBias,
        null);
  }

  public ModelConfig {
    requirePositive("dim", dim);
    requirePositive("hiddenDim", hiddenDim);
    requirePositive("nLayers", nLayers);
    requirePositive("nHeads", nHeads);
    requirePositive("nKvHeads", nKvHeads);
    requirePositive("vocabSize", vocabSize);
    requirePositive("maxSeqLen", maxSeqLen);
    if (dim % nHeads != 0) {
      throw new IllegalArgumentException("dim " + dim + " is not a multiple of nHeads " + nHeads);
    }
    if (nHeads % nKvHeads != 0) {
      throw new IllegalArgumentException(
          "nHeads " + nHeads + " is not a multiple of nKvHeads " + nKvHeads);
    }
    if ((dim / nHeads) % 2 != 0) {
      throw new IllegalArgumentException("head size " + dim / nHeads + " must be even for RoPE");
    }
    if (!(ropeTheta > 0) || !(normEps > 0)) {
      throw new IllegalArgumentException("ropeTheta and normEps must be positive");
    }
  }

  public int headSize() {
    return dim / nHeads;
  }

  public int kvDim() {
    return nKvHeads * headSize();
  }

  /**
   * The same model with its usable context limited to {@code maxSeqLen} (e.g. to size a KV cache).
   */
  public ModelConfig withMaxSeqLen(int maxSeqLen) {
    return with(maxSeqLen, ropeScaling);
  }

  public ModelConfig withRopeScaling(RopeScaling scaling) {
    return with(maxSeqLen, scaling);
  }

  private ModelConfig with(int maxSeqLen, RopeScaling scaling) {
    return new ModelConfig(
        architecture,
        dim,
        hiddenDim,
        nLayers,
        nHeads,
        nKvHeads,
        vocabSize,
        maxSeqLen,
        ropeTheta,
        normEps,
        ropeInterleaved,
        tiedEmbeddings,
        attentionBias,
        scaling);
  }

  /** Inverse frequency (radians per position) of RoPE pair {@code i} of a head, scaling applied. */
  public double ropeFrequency(int i) {
    double base = Math.pow(ropeTheta, -(2.0 * i) / headSize());
    return ropeScaling == null ? base : ropeScaling.apply(base);
  }

  /** Parameters in one decoder layer (weights and norms, biases included). */
  public long layerParameters() {
    long attn = (long) dim * dim * 2 + (long) dim * kvDim() * 2;
    long bias = attentionBias ? dim + 2L * kvDim() : 0;
    long ffn = 3L * dim * hiddenDim;
    return attn + bias + ffn + 2L * dim;
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
