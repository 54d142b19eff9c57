package dev.edgesplit.partitioner.model;

import dev.edgesplit.engine.model.ModelConfig;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An imported model: its config and its weights under canonical names, in fp32.
 *
 * <p>Canonical names (linear weights {@code [out, in]}):
 * <pre>
 * tok_embeddings            [vocab, d]
 * layers.{i}.attention_norm [d]
 * layers.{i}.wq             [nHeads*headSize, d]      layers.{i}.bq [nHeads*headSize]  (attentionBias only)
 * layers.{i}.wk             [kvDim, d]                layers.{i}.bk [kvDim]            (attentionBias only)
 * layers.{i}.wv             [kvDim, d]                layers.{i}.bv [kvDim]            (attentionBias only)
 * layers.{i}.wo             [d, nHeads*headSize]
 * layers.{i}.ffn_norm       [d]
 * layers.{i}.w1             [hiddenDim, d]   (gate)
 * layers.{i}.w3             [hiddenDim, d]   (up)
 * layers.{i}.w2             [d, hiddenDim]   (down)
 * norm                      [d]
 * output                    [vocab, d]       (absent when tiedEmbeddings)
 * </pre>
 * RoPE convention of wq/wk rows is {@link ModelConfig#ropeInterleaved()}.
 *
 * @param config      the model's shape
 * @param tensors     every tensor by canonical name
 * @param tokenizer   tokenizer file that came with the model (tokenizer.bin or tokenizer.json), if any
 * @param fingerprint sha256 (hex) identifying the weights: of the checkpoint file(s), or of the seed for
 *                    synthetic models
 */
public record ModelWeights(
    ModelConfig config, Map<String, FloatTensor> tensors, Optional<Path> tokenizer, String fingerprint) {

  public ModelWeights {
    tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
  }

  /** The tensor with this canonical name; a missing one is a {@link ModelFormatException}. */
  public FloatTensor tensor(String name) {
    FloatTensor t = tensors.get(name);
    if (t == null) {
      throw new ModelFormatException("model is missing tensor '" + name + "'");
    }
    return t;
  }

  /** The tensor {@code layers.{layer}.{name}}. */
  public FloatTensor layer(int layer, String name) {
    return tensor(layerName(layer, name));
  }

  /** The LM head: {@code output}, or the token embedding when tied. */
  public FloatTensor lmHead() {
    return config.tiedEmbeddings() ? tensor("tok_embeddings") : tensor("output");
  }

  public static String layerName(int layer, String name) {
    return "layers." + layer + "." + name;
  }
}
