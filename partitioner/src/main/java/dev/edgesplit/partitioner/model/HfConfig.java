package dev.edgesplit.partitioner.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.model.RopeScaling;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a Hugging Face {@code config.json} of a Llama, Mistral or Qwen2 model. Whether the
 * embeddings are tied also depends on the weights (an absent {@code lm_head.weight} means tied), so
 * the caller passes that.
 */
final class HfConfig {

  private static final int MAX_DIM = 1 << 16;
  private static final int MAX_HIDDEN = 1 << 18;
  private static final int MAX_LAYERS = 1 << 10;
  private static final int MAX_VOCAB = 1 << 22;

  private final Path path;
  private final JsonNode root;
  private final String modelType;

  private HfConfig(Path path, JsonNode root, String modelType) {
    this.path = path;
    this.root = root;
    this.modelType = modelType;
  }

  static HfConfig read(Path path, ObjectMapper json) {
    JsonNode root;
    try {
      root = json.readTree(path.toFile());
    } catch (IOException e) {
      throw new ModelFormatException(path + ": not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(path + ": not a JSON object");
    }
    return new HfConfig(path, root, modelType(path, root));
  }

  private static String modelType(Path path, JsonNode root) {
    JsonNode type = root.get("model_type");
    if (type != null && type.isTextual()) {
      String t = type.asText().toLowerCase(Locale.ROOT);
      if (t.equals("llama") || t.equals("mistral") || t.equals("qwen2")) {
        return t;
      }
      throw new ModelFormatException(
          path
              + ": unsupported model_type '"
              + type.asText()
              + "' (supported: llama, mistral, qwen2)");
    }
    JsonNode archs = root.get("architectures");
    if (archs != null && archs.isArray() && archs.size() > 0) {
      String a = archs.get(0).asText();
      switch (a) {
        case "LlamaForCausalLM":
          return "llama";
        case "MistralForCausalLM":
          return "mistral";
        case "Qwen2ForCausalLM":
          return "qwen2";
        default:
          throw new ModelFormatException(
              path
                  + ": unsupported architecture '"
                  + a
                  + "' (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)");
      }
    }
    throw new ModelFormatException(
        path + ": neither model_type nor architectures says what model this is");
  }

  String modelType() {
    return modelType;
  }

  boolean declaresTiedEmbeddings() {
    return bool("tie_word_embeddings", false);
  }

  /** The model's config; {@code tied} as decided from the config and the weights present. */
  ModelConfig toModelConfig(boolean tied) {
    int dim = intKey("hidden_size", MAX_DIM);
    int hidden = intKey("intermediate_size", MAX_HIDDEN);
    int layers = intKey("num_hidden_layers", MAX_LAYERS);
    int heads = intKey("num_attention_heads", dim);
    int kvHeads = root.has("num_key_value_heads") ? intKey("num_key_value_heads", heads) : heads;
    int vocab = intKey("vocab_size", MAX_VOCAB);
    int context = intKey("max_position_embeddings", Integer.MAX_VALUE);
    float theta = (float) number("rope_theta", 10000.0);
    float eps = (float) number("rms_norm_eps", 1e-6);
    if (root.hasNonNull("head_dim")
        && dim % heads == 0
        && root.get("head_dim").asInt() != dim / heads) {
      throw bad(
          "head_dim "
              + root.get("head_dim").asText()
              + " differs from hidden_size/num_attention_heads = "
              + dim / heads
              + "; such models are not supported");
    }
    String act = root.hasNonNull("hidden_act") ? root.get("hidden_act").asText() : "silu";
    if (!act.equals("silu")) {
      throw bad("hidden_act '" + act + "' is not supported (only silu)");
    }
    RopeScaling ropeScaling = ropeScaling(root.get("rope_scaling"));
    if (bool("mlp_bias", false)) {
      throw bad("mlp_bias=true is not supported");
    }
    boolean qwen = modelType.equals("qwen2");
    if (!qwen && bool("attention_bias", false)) {
      throw bad("attention_bias=true on " + modelType + " (with an o_proj bias) is not supported");
    }
    // Attention beyond a sliding window differs from full attention: limit the context to the
    // window.
    boolean sliding = qwen ? bool("use_sliding_window", false) : root.hasNonNull("sliding_window");
    if (sliding
        && root.hasNonNull("sliding_window")
        && root.get("sliding_window").canConvertToInt()) {
      int window = root.get("sliding_window").asInt();
      if (window > 0 && window < context) {
        context = window;
      }
    }
    try {
      return new ModelConfig(
          modelType,
          dim,
          hidden,
          layers,
          heads,
          kvHeads,
          vocab,
          context,
          theta,
          eps,
          false,
          tied,
          qwen,
          ropeScaling);
    } catch (IllegalArgumentException e) {
      throw bad("inconsistent config: " + e.getMessage());
    }
  }

  private int intKey(String key, int max) {
    JsonNode v = root.get(key);
    if (v == null || v.isNull()) {
      throw bad("missing key '" + key + "'");
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw bad("key '" + key + "' must be an integer, got " + v);
    }
    int n = v.asInt();
    if (n <= 0 || n > max) {
      throw bad("key '" + key + "' = " + n + " is outside 1.." + max);
    }
    return n;
  }

  private double number(String key, double fallback) {
    JsonNode v = root.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
      throw bad("key '" + key + "' must be a positive number, got " + v);
    }
    return v.asDouble();
  }

  private boolean bool(String key, boolean fallback) {
    JsonNode v = root.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw bad("key '" + key + "' must be true or false, got " + v);
    }
    return v.asBoolean();
  }

  private ModelFormatException bad(String what) {
    return new ModelFormatException(path + ": " + what);
  }

  /**
   * "default" or absent: none; "linear" and "llama3" are applied to the RoPE tables; others are
   * refused.
   */
  private RopeScaling ropeScaling(JsonNode scaling) {
    if (scaling == null || scaling.isNull()) {
      return null;
    }
    JsonNode typeNode = scaling.has("rope_type") ? scaling.get("rope_type") : scaling.get("type");
    String type = typeNode == null ? "" : typeNode.asText();
    if (type.equals("default")) {
      return null;
    }
    if (!type.equals("linear") && !type.equals("llama3")) {
      throw bad("rope_scaling type '" + type + "' is not supported (linear and llama3 are)");
    }
    try {
      return new RopeScaling(
          type,
          scaling.path("factor").asDouble(Double.NaN),
          scaling.path("low_freq_factor").asDouble(1),
          scaling.path("high_freq_factor").asDouble(4),
          scaling.path("original_max_position_embeddings").asInt(0));
    } catch (IllegalArgumentException e) {
      throw bad("rope_scaling " + scaling + ": " + e.getMessage());
    }
  }
}
