package dev.edgesplit.partitioner.model;

import dev.edgesplit.engine.model.ModelConfig;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The canonical tensor names and shapes that a {@link ModelConfig} implies (see {@link
 * ModelWeights}). Importers check what they read against it; writers and generators iterate it.
 */
public final class CanonicalLayout {

  private CanonicalLayout() {}

  /**
   * Every canonical tensor of the model with its shape, in a stable order: embedding, then each
   * layer's tensors, then the final norm and (when untied) the output head.
   */
  public static Map<String, int[]> shapes(ModelConfig c) {
    int d = c.dim();
    int qDim = c.nHeads() * c.headSize();
    int kv = c.kvDim();
    int h = c.hiddenDim();
    Map<String, int[]> shapes = new LinkedHashMap<>();
    shapes.put("tok_embeddings", new int[] {c.vocabSize(), d});
    for (int i = 0; i < c.nLayers(); i++) {
      shapes.put(ModelWeights.layerName(i, "attention_norm"), new int[] {d});
      shapes.put(ModelWeights.layerName(i, "wq"), new int[] {qDim, d});
      shapes.put(ModelWeights.layerName(i, "wk"), new int[] {kv, d});
      shapes.put(ModelWeights.layerName(i, "wv"), new int[] {kv, d});
      if (c.attentionBias()) {
        shapes.put(ModelWeights.layerName(i, "bq"), new int[] {qDim});
        shapes.put(ModelWeights.layerName(i, "bk"), new int[] {kv});
        shapes.put(ModelWeights.layerName(i, "bv"), new int[] {kv});
      }
      shapes.put(ModelWeights.layerName(i, "wo"), new int[] {d, qDim});
      shapes.put(ModelWeights.layerName(i, "ffn_norm"), new int[] {d});
      shapes.put(ModelWeights.layerName(i, "w1"), new int[] {h, d});
      shapes.put(ModelWeights.layerName(i, "w3"), new int[] {h, d});
      shapes.put(ModelWeights.layerName(i, "w2"), new int[] {d, h});
    }
    shapes.put("norm", new int[] {d});
    if (!c.tiedEmbeddings()) {
      shapes.put("output", new int[] {c.vocabSize(), d});
    }
    return Collections.unmodifiableMap(shapes);
  }

  /** Total number of floats in all canonical tensors. */
  public static long parameterCount(ModelConfig c) {
    long n = 0;
    for (int[] shape : shapes(c).values()) {
      n += elementCount(shape);
    }
    return n;
  }

  static long elementCount(int[] shape) {
    long n = 1;
    for (int s : shape) {
      n *= s;
    }
    return n;
  }

  /**
   * Checks that {@code tensors} holds exactly the canonical tensors of {@code config} with the
   * right shapes.
   *
   * @param source named in the error (a file or directory)
   * @throws ModelFormatException naming the first missing, unexpected or misshapen tensor
   */
  public static void check(ModelConfig config, Map<String, FloatTensor> tensors, String source) {
    Map<String, int[]> expected = shapes(config);
    for (Map.Entry<String, int[]> e : expected.entrySet()) {
      FloatTensor t = tensors.get(e.getKey());
      if (t == null) {
        throw new ModelFormatException(source + ": missing tensor '" + e.getKey() + "'");
      }
      if (!t.hasShape(e.getValue())) {
        throw new ModelFormatException(
            source
                + ": tensor '"
                + e.getKey()
                + "' has shape "
                + Arrays.toString(t.shape())
                + ", expected "
                + Arrays.toString(e.getValue()));
      }
    }
    for (String name : tensors.keySet()) {
      if (!expected.containsKey(name)) {
        throw new ModelFormatException(
            source + ": unexpected tensor '" + name + "' for this config");
      }
    }
  }
}
