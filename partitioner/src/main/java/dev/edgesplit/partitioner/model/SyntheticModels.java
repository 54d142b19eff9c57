package dev.edgesplit.partitioner.model;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.model.RopeScaling;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Seeded random models with the shapes of real ones, for speed and scale measurements (label
 * results as synthetic: the weights are noise). Rotate-half RoPE, like the Hugging Face checkpoints
 * they imitate.
 *
 * <p>Scales keep a forward pass finite and its logits spread: embeddings and the output head N(0,
 * 1/d) (logit std about 1 after the final RMSNorm), input projections N(0, 1/fan_in), the residual
 * branch outputs (wo, w2) N(0, 1/fan_in) further divided by sqrt(2 n_layers), norms 1 + N(0,
 * 0.05^2), biases N(0, 0.02^2). Each tensor has its own random stream derived from the seed and its
 * position, so tensors are generated in parallel and the result does not depend on the thread
 * count.
 */
public final class SyntheticModels {

  /** Names accepted by {@link #config(String)}. */
  /** Every synthetic model's architecture name starts with this. */
  public static final String ARCHITECTURE_PREFIX = "synthetic-";

  public static final List<String> NAMES =
      List.of("tiny", "smollm2-135m", "tinyllama-1.1b", "llama-3.2-1b");

  private SyntheticModels() {}

  /** The config of a named synthetic shape, with its real context length. */
  public static ModelConfig config(String name) {
    switch (name) {
      case "tiny":
        return shape(name, 64, 176, 4, 4, 2, 512, 256, 10000f, false);
      case "smollm2-135m":
        return shape(name, 576, 1536, 30, 9, 3, 49152, 8192, 100000f, true);
      case "tinyllama-1.1b":
        return shape(name, 2048, 5632, 22, 32, 4, 32000, 2048, 10000f, false);
      case "llama-3.2-1b":
        // Llama 3.2 stretches RoPE from 8192 positions with "llama3" scaling (its config.json).
        return shape(name, 2048, 8192, 16, 32, 8, 128256, 131072, 500000f, true)
            .withRopeScaling(new RopeScaling("llama3", 32, 1, 4, 8192));
      default:
        throw new IllegalArgumentException(
            "unknown synthetic model '" + name + "'; known: " + NAMES);
    }
  }

  /** The named shape with its context limited to {@code maxSeqLen} (e.g. to size a KV cache). */
  public static ModelConfig config(String name, int maxSeqLen) {
    return config(name).withMaxSeqLen(maxSeqLen);
  }

  /** Generates the named shape with its real context length. */
  public static ModelWeights generate(String name, long seed) {
    return generate(config(name), seed);
  }

  /** Generates the named shape with its context limited to {@code maxSeqLen}. */
  public static ModelWeights generate(String name, long seed, int maxSeqLen) {
    return generate(config(name, maxSeqLen), seed);
  }

  /**
   * Generates random weights for any config (e.g. a tiny one with attention biases). The
   * fingerprint is the sha256 of the architecture name, the seed and the config.
   */
  public static ModelWeights generate(ModelConfig config, long seed) {
    Map<String, int[]> shapes = CanonicalLayout.shapes(config);
    String[] names = shapes.keySet().toArray(new String[0]);
    FloatTensor[] tensors = new FloatTensor[names.length];
    IntStream.range(0, names.length)
        .parallel()
        .forEach(
            i -> {
              String n = names[i];
              int[] shape = shapes.get(n);
              tensors[i] = new FloatTensor(n, shape, values(config, n, shape, streamSeed(seed, i)));
            });
    Map<String, FloatTensor> map = new LinkedHashMap<>();
    for (FloatTensor t : tensors) {
      map.put(t.name(), t);
    }
    String fingerprint =
        Fingerprints.sha256OfText(config.architecture() + "|" + seed + "|" + config);
    return new ModelWeights(config, map, Optional.empty(), fingerprint);
  }

  private static float[] values(ModelConfig c, String name, int[] shape, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] v = new float[(int) CanonicalLayout.elementCount(shape)];
    String kind = name.substring(name.lastIndexOf('.') + 1);
    if (kind.endsWith("norm")) {
      for (int i = 0; i < v.length; i++) {
        v[i] = 1f + 0.05f * (float) random.nextGaussian();
      }
      return v;
    }
    double std;
    switch (kind) {
      case "bq":
      case "bk":
      case "bv":
        std = 0.02;
        break;
      case "wo":
      case "w2":
        std = 1 / Math.sqrt(shape[1]) / Math.sqrt(2.0 * c.nLayers());
        break;
      default:
        // tok_embeddings, output, wq, wk, wv, w1, w3: all [*, d]
        std = 1 / Math.sqrt(shape[shape.length - 1]);
        break;
    }
    float s = (float) std;
    for (int i = 0; i < v.length; i++) {
      v[i] = s * (float) random.nextGaussian();
    }
    return v;
  }

  private static long streamSeed(long seed, int index) {
    return seed * 0x9E3779B97F4A7C15L + (index + 1L) * 0xBF58476D1CE4E5B9L;
  }

  private static ModelConfig shape(
      String name,
      int d,
      int ffn,
      int layers,
      int heads,
      int kvHeads,
      int vocab,
      int context,
      float theta,
      boolean tied) {
    return new ModelConfig(
        ARCHITECTURE_PREFIX + name,
        d,
        ffn,
        layers,
        heads,
        kvHeads,
        vocab,
        context,
        theta,
        1e-5f,
        false,
        tied,
        false);
  }
}
