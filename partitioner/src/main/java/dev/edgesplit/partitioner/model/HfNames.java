package dev.edgesplit.partitioner.model;

import java.util.Map;

/**
 * Maps canonical tensor names (see {@link ModelWeights}) to Hugging Face Llama/Mistral/Qwen2 names.
 */
final class HfNames {

  private static final Map<String, String> LAYER_KINDS =
      Map.ofEntries(
          Map.entry("attention_norm", "input_layernorm.weight"),
          Map.entry("wq", "self_attn.q_proj.weight"),
          Map.entry("wk", "self_attn.k_proj.weight"),
          Map.entry("wv", "self_attn.v_proj.weight"),
          Map.entry("bq", "self_attn.q_proj.bias"),
          Map.entry("bk", "self_attn.k_proj.bias"),
          Map.entry("bv", "self_attn.v_proj.bias"),
          Map.entry("wo", "self_attn.o_proj.weight"),
          Map.entry("ffn_norm", "post_attention_layernorm.weight"),
          Map.entry("w1", "mlp.gate_proj.weight"),
          Map.entry("w3", "mlp.up_proj.weight"),
          Map.entry("w2", "mlp.down_proj.weight"));

  static final String LM_HEAD = "lm_head.weight";

  private HfNames() {}

  static String toHf(String canonical) {
    switch (canonical) {
      case "tok_embeddings":
        return "model.embed_tokens.weight";
      case "norm":
        return "model.norm.weight";
      case "output":
        return LM_HEAD;
      default:
        break;
    }
    if (canonical.startsWith("layers.")) {
      int dot = canonical.indexOf('.', "layers.".length());
      String kind = LAYER_KINDS.get(canonical.substring(dot + 1));
      if (dot > 0 && kind != null) {
        return "model." + canonical.substring(0, dot + 1) + kind;
      }
    }
    throw new IllegalArgumentException("not a canonical tensor name: " + canonical);
  }

  /** True for the canonical projections whose rows follow the RoPE convention. */
  static boolean isRopeRows(String canonical) {
    return canonical.endsWith(".wq")
        || canonical.endsWith(".wk")
        || canonical.endsWith(".bq")
        || canonical.endsWith(".bk");
  }
}
