package dev.edgesplit.partitioner;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.model.FloatTensor;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/** Tiny seeded random models for engine tests, in any RoPE convention and head size. */
public final class RandomModels {

  private RandomModels() {}

  /**
   * {@code tiny(16, true, false, 5)} compiled into {@code dir}: cut 2, int4 edge and fp32 cloud
   * weights, segments for {@code maxContext} positions.
   */
  public static CompiledModel compiledTiny(Path dir, int maxContext) throws IOException {
    return new Compiler(
            new CompileOptions(
                2, WeightFormat.INT4, WeightFormat.FP32, SegmentOptions.defaults(maxContext)))
        .compile(tiny(16, true, false, 5), dir);
  }

  public static ModelWeights tiny(int headSize, boolean interleaved, boolean bias, long seed) {
    int heads = 4;
    ModelConfig cfg =
        new ModelConfig(
            "test",
            heads * headSize,
            48,
            3,
            heads,
            2,
            97,
            64,
            10000f,
            1e-5f,
            interleaved,
            false,
            bias);
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, FloatTensor> t = new LinkedHashMap<>();
    int d = cfg.dim();
    put(t, rnd, "tok_embeddings", 1f, cfg.vocabSize(), d);
    for (int l = 0; l < cfg.nLayers(); l++) {
      String p = "layers." + l + ".";
      norm(t, rnd, p + "attention_norm", d);
      norm(t, rnd, p + "ffn_norm", d);
      put(t, rnd, p + "wq", 1 / (float) Math.sqrt(d), d, d);
      put(t, rnd, p + "wk", 1 / (float) Math.sqrt(d), cfg.kvDim(), d);
      put(t, rnd, p + "wv", 1 / (float) Math.sqrt(d), cfg.kvDim(), d);
      put(t, rnd, p + "wo", 1 / (float) Math.sqrt(d), d, d);
      if (bias) {
        put(t, rnd, p + "bq", 0.1f, d);
        put(t, rnd, p + "bk", 0.1f, cfg.kvDim());
        put(t, rnd, p + "bv", 0.1f, cfg.kvDim());
      }
      put(t, rnd, p + "w1", 1 / (float) Math.sqrt(d), cfg.hiddenDim(), d);
      put(t, rnd, p + "w3", 1 / (float) Math.sqrt(d), cfg.hiddenDim(), d);
      put(t, rnd, p + "w2", 1 / (float) Math.sqrt(cfg.hiddenDim()), d, cfg.hiddenDim());
    }
    norm(t, rnd, "norm", d);
    put(t, rnd, "output", 1 / (float) Math.sqrt(d), cfg.vocabSize(), d);
    return new ModelWeights(cfg, t, Optional.empty(), "random-" + seed);
  }

  private static void put(
      Map<String, FloatTensor> t, SplittableRandom rnd, String name, float scale, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    float[] data = new float[n];
    for (int i = 0; i < n; i++) {
      data[i] = (float) (rnd.nextDouble(-1.7320508, 1.7320508) * scale);
    }
    t.put(name, new FloatTensor(name, shape, data));
  }

  private static void norm(Map<String, FloatTensor> t, SplittableRandom rnd, String name, int d) {
    float[] data = new float[d];
    for (int i = 0; i < d; i++) {
      data[i] = (float) rnd.nextDouble(0.8, 1.2);
    }
    t.put(name, new FloatTensor(name, new int[] {d}, data));
  }
}
