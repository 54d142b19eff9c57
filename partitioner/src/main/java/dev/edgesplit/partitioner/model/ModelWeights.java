package dev.edgesplit.partitioner.model;

import dev.edgesplit.engine.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An imported model: its config and its weights under canonical names, in fp32.
 *
 * <p>Canonical names (linear weights {@code [out, in]}):
 *
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
 *
 * RoPE convention of wq/wk rows is {@link ModelConfig#ropeInterleaved()}.
 *
 * @param config the model's shape
 * @param tensors every tensor by canonical name
 * @param tokenizer tokenizer file that came with the model (tokenizer.bin or tokenizer.json), if
 *     any
 * @param fingerprint sha256 (hex) identifying the weights: of the checkpoint file(s), or of the
 *     seed for synthetic models
 * @param exactBlocks canonical weights the file holds as blocks MatMulNBits represents exactly
 *     (GGUF Q8_0, Q4_0); their {@code tensors} entry is the exact dequantization of the same blocks
 * @param notices what the import did that a user should know (e.g. K-quants dequantized), one line
 *     each
 */
public record ModelWeights(
    ModelConfig config,
    Map<String, FloatTensor> tensors,
    Optional<Path> tokenizer,
    String fingerprint,
    Map<String, ExactBlocks> exactBlocks,
    List<String> notices) {

  public ModelWeights {
    tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    exactBlocks = Collections.unmodifiableMap(new LinkedHashMap<>(exactBlocks));
    notices = List.copyOf(notices);
  }

  /** Weights held as fp32 only, with nothing to report. */
  public ModelWeights(
      ModelConfig config,
      Map<String, FloatTensor> tensors,
      Optional<Path> tokenizer,
      String fingerprint) {
    this(config, tensors, tokenizer, fingerprint, Map.of(), List.of());
  }

  /**
   * The exact blocks of {@code names} stacked by rows, when every one of them has exact blocks of
   * {@code bits} bits; else empty (the caller quantizes the fp32 values).
   */
  public Optional<ExactBlocks> exactBlocks(List<String> names, int bits) {
    List<ExactBlocks> parts = new ArrayList<>();
    for (String name : names) {
      ExactBlocks b = exactBlocks.get(name);
      if (b == null || b.bits() != bits) {
        return Optional.empty();
      }
      parts.add(b);
    }
    return parts.isEmpty() ? Optional.empty() : Optional.of(ExactBlocks.stack(parts));
  }

  /**
   * The canonical name of the LM head's weights: {@code output}, or {@code tok_embeddings} when
   * tied.
   */
  public String lmHeadName() {
    return config.tiedEmbeddings() ? "tok_embeddings" : "output";
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
    return tensor(lmHeadName());
  }

  public static String layerName(int layer, String name) {
    return "layers." + layer + "." + name;
  }
}
