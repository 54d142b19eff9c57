package dev.edgesplit.planner;

import dev.edgesplit.engine.model.ModelConfig;

/**
 * The sizes the planner needs to price memory and the link.
 *
 * @param nLayers decoder layers N
 * @param dim hidden size d: floats per position crossing the link
 * @param kvDim key/value width per layer (kv heads x head size)
 * @param layerParameters parameters of one decoder layer
 * @param embeddingBytes bytes of the token embedding as the edge segment stores it
 * @param headBytes extra bytes the edge needs to run the final norm and LM head itself (0 when tied
 *     to the embedding)
 */
public record ModelShape(
    int nLayers, int dim, int kvDim, long layerParameters, long embeddingBytes, long headBytes) {

  public ModelShape {
    if (nLayers <= 0 || dim <= 0 || kvDim <= 0 || layerParameters <= 0) {
      throw new IllegalArgumentException(
          "model shape needs positive nLayers, dim, kvDim and layerParameters, got "
              + nLayers
              + ", "
              + dim
              + ", "
              + kvDim
              + ", "
              + layerParameters);
    }
    if (embeddingBytes < 0 || headBytes < 0) {
      throw new IllegalArgumentException("embeddingBytes and headBytes must be >= 0");
    }
  }

  /**
   * The shape of a model whose embedding (and untied head) stay fp32 on the edge: MatMulNBits
   * quantizes MatMul weights, and the embedding is a Gather.
   */
  public static ModelShape of(ModelConfig config) {
    long embedding = 4L * config.vocabSize() * config.dim();
    long head = config.tiedEmbeddings() ? 4L * config.dim() : 4L * config.dim() + embedding;
    return new ModelShape(
        config.nLayers(), config.dim(), config.kvDim(), config.layerParameters(), embedding, head);
  }
}
