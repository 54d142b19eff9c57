package dev.edgesplit.partitioner.model.gguf;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.partitioner.model.FloatTensor;
import dev.edgesplit.partitioner.model.ModelWeights;
import java.util.Map;

/**
 * Writes {@link ModelWeights} as a GGUF model the way llama.cpp's converter names and shapes it.
 */
final class GgufModels {

  private GgufModels() {}

  /** {@code matrices} for 2-D weights whose rows fit its blocks, F32 for everything else. */
  static GgufWriter writer(ModelWeights m, GgmlType matrices) {
    ModelConfig c = m.config();
    String arch = c.attentionBias() ? "qwen2" : "llama";
    GgufWriter w =
        new GgufWriter()
            .string("general.architecture", arch)
            .string("general.name", "test")
            .u32(arch + ".context_length", c.maxSeqLen())
            .u32(arch + ".embedding_length", c.dim())
            .u32(arch + ".block_count", c.nLayers())
            .u32(arch + ".feed_forward_length", c.hiddenDim())
            .u32(arch + ".attention.head_count", c.nHeads())
            .u32(arch + ".attention.head_count_kv", c.nKvHeads())
            .u32(arch + ".rope.dimension_count", c.headSize())
            .f32(arch + ".rope.freq_base", c.ropeTheta())
            .f32(arch + ".attention.layer_norm_rms_epsilon", c.normEps());
    for (Map.Entry<String, FloatTensor> e : m.tensors().entrySet()) {
      FloatTensor t = e.getValue();
      boolean matrix = t.shape().length == 2;
      GgmlType type = matrix && t.cols() % matrices.blockValues == 0 ? matrices : GgmlType.F32;
      w.tensor(
          ggufName(e.getKey()),
          matrix ? t.rows() : 0,
          matrix ? t.cols() : t.rows(),
          t.data(),
          type);
    }
    return w;
  }

  static String ggufName(String canonical) {
    switch (canonical) {
      case "tok_embeddings":
        return "token_embd.weight";
      case "norm":
        return "output_norm.weight";
      case "output":
        return "output.weight";
      default:
        String[] p = canonical.split("\\.");
        String part =
            Map.ofEntries(
                    Map.entry("attention_norm", "attn_norm.weight"),
                    Map.entry("wq", "attn_q.weight"),
                    Map.entry("wk", "attn_k.weight"),
                    Map.entry("wv", "attn_v.weight"),
                    Map.entry("bq", "attn_q.bias"),
                    Map.entry("bk", "attn_k.bias"),
                    Map.entry("bv", "attn_v.bias"),
                    Map.entry("wo", "attn_output.weight"),
                    Map.entry("ffn_norm", "ffn_norm.weight"),
                    Map.entry("w1", "ffn_gate.weight"),
                    Map.entry("w3", "ffn_up.weight"),
                    Map.entry("w2", "ffn_down.weight"))
                .get(p[2]);
        return "blk." + p[1] + "." + part;
    }
  }
}
