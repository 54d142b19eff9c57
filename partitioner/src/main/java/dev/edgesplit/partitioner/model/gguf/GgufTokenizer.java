package dev.edgesplit.partitioner.model.gguf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgesplit.partitioner.model.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a GGUF file's tokenizer metadata into the files the engine's tokenizers read, so that GGUF
 * models tokenize with the same code as llama2.c and Hugging Face models:
 *
 * <ul>
 *   <li>{@code tokenizer.ggml.model = llama} (SentencePiece-style, scores, byte tokens): a llama2.c
 *       {@code tokenizer.bin} (pieces with "▁" written as spaces, the scores as merge priorities);
 *   <li>{@code gpt2} (byte-level BPE with merges): a Hugging Face {@code tokenizer.json} whose
 *       pre-tokenizer follows {@code tokenizer.ggml.pre}, with control and user-defined tokens as
 *       added tokens.
 * </ul>
 *
 * Beside either goes a {@code tokenizer_config.json} with the BOS/EOS tokens, {@code add_bos_token}
 * and the chat template ({@code tokenizer.chat_template}), where Hugging Face models keep them too.
 */
final class GgufTokenizer {

  static final String CONFIG = "tokenizer_config.json";
  private static final String SPACE = "\u2581";
  private static final int TYPE_CONTROL = 3;
  private static final int TYPE_USER_DEFINED = 4;

  /**
   * Regexes of llama.cpp's pre-tokenizer names (the same as in those models' tokenizer.json files).
   */
  private static final String LLAMA3_REGEX =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
          + "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private static final String QWEN2_REGEX =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|"
          + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  /** One file to write: its name and bytes. */
  record File(String name, byte[] bytes) {}

  private GgufTokenizer() {}

  /**
   * The tokenizer files for {@code meta}, the tokenizer file first; empty when the file has no
   * tokenizer.
   *
   * @param vocabSize the model's embedding rows: the vocabulary must have exactly as many tokens
   */
  static Optional<List<File>> files(GgufMetadata meta, Path path, int vocabSize) {
    if (!meta.has("tokenizer.ggml.model")) {
      return Optional.empty();
    }
    String model = meta.string("tokenizer.ggml.model");
    List<String> tokens = meta.array("tokenizer.ggml.tokens", String.class);
    if (tokens.size() != vocabSize) {
      throw new ModelFormatException(
          path
              + ": metadata 'tokenizer.ggml.tokens' has "
              + tokens.size()
              + " tokens but token_embd.weight has "
              + vocabSize
              + " rows");
    }
    switch (model) {
      case "llama":
        return Optional.of(
            List.of(new File("tokenizer.bin", llama2c(meta, path, tokens)), config(meta, tokens)));
      case "gpt2":
        return Optional.of(
            List.of(
                new File("tokenizer.json", tokenizerJson(meta, path, tokens)),
                config(meta, tokens)));
      default:
        throw new ModelFormatException(
            path
                + ": metadata 'tokenizer.ggml.model' = '"
                + model
                + "' is not supported (llama and gpt2 are)");
    }
  }

  /** llama2.c layout: int32 max_token_length, then per token float32 score, int32 length, bytes. */
  private static byte[] llama2c(GgufMetadata meta, Path path, List<String> tokens) {
    // The llama2.c tokenizer assumes unk 0, BOS 1, EOS 2 and the 256 byte tokens at 3..258
    // (SentencePiece's order).
    checkId(meta, path, "tokenizer.ggml.bos_token_id", 1);
    checkId(meta, path, "tokenizer.ggml.eos_token_id", 2);
    if (tokens.size() < 259) {
      throw new ModelFormatException(
          path
              + ": metadata 'tokenizer.ggml.tokens' has "
              + tokens.size()
              + " tokens; a SentencePiece vocabulary needs unk, BOS, EOS and 256 byte tokens");
    }
    for (int b = 0; b < 256; b++) {
      String expected = String.format(Locale.ROOT, "<0x%02X>", b);
      if (!tokens.get(3 + b).equals(expected)) {
        throw new ModelFormatException(
            path
                + ": metadata 'tokenizer.ggml.tokens'["
                + (3 + b)
                + "] is '"
                + tokens.get(3 + b)
                + "', expected the byte token "
                + expected
                + " (only SentencePiece vocabularies"
                + " with unk, BOS, EOS then the byte tokens are supported)");
      }
    }
    List<Double> scores =
        meta.has("tokenizer.ggml.scores")
            ? meta.array("tokenizer.ggml.scores", Double.class)
            : null;
    if (scores != null && scores.size() != tokens.size()) {
      throw new ModelFormatException(
          path
              + ": metadata 'tokenizer.ggml.scores' has "
              + scores.size()
              + " entries for "
              + tokens.size()
              + " tokens");
    }
    byte[][] pieces = new byte[tokens.size()][];
    int maxLength = 1;
    for (int i = 0; i < pieces.length; i++) {
      pieces[i] = tokens.get(i).replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
      maxLength = Math.max(maxLength, pieces[i].length);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer word = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    out.write(word.clear().putInt(maxLength).array(), 0, 4);
    for (int i = 0; i < pieces.length; i++) {
      float score = scores == null ? 0f : scores.get(i).floatValue();
      out.write(word.clear().putFloat(score).putInt(pieces[i].length).array(), 0, 8);
      out.write(pieces[i], 0, pieces[i].length);
    }
    return out.toByteArray();
  }

  private static void checkId(GgufMetadata meta, Path path, String key, int expected) {
    if (meta.has(key) && meta.integer(key) != expected) {
      throw new ModelFormatException(
          path
              + ": metadata '"
              + key
              + "' = "
              + meta.integer(key)
              + "; a SentencePiece"
              + " ('llama') vocabulary is supported with BOS 1 and EOS 2");
    }
  }

  /** A byte-level BPE tokenizer.json equivalent to the GGUF vocabulary. */
  private static byte[] tokenizerJson(GgufMetadata meta, Path path, List<String> tokens) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    List<String> merges = meta.array("tokenizer.ggml.merges", String.class);
    List<Long> types = tokenTypes(meta, path, tokens.size());
    ObjectNode root = f.objectNode();
    root.put("version", "1.0");
    ArrayNode added = root.putArray("added_tokens");
    for (int id = 0; id < tokens.size(); id++) {
      long type = types == null ? 1 : types.get(id);
      if (type == TYPE_CONTROL || type == TYPE_USER_DEFINED) {
        added
            .addObject()
            .put("id", id)
            .put("content", tokens.get(id))
            .put("single_word", false)
            .put("lstrip", false)
            .put("rstrip", false)
            .put("normalized", false)
            .put("special", type == TYPE_CONTROL);
      }
    }
    root.putNull("normalizer");
    root.set("pre_tokenizer", preTokenizer(meta, path));
    root.putNull("post_processor");
    root.putObject("decoder")
        .put("type", "ByteLevel")
        .put("add_prefix_space", true)
        .put("trim_offsets", true)
        .put("use_regex", true);
    String pre = meta.optionalString("tokenizer.ggml.pre").orElse("default");
    ObjectNode model = root.putObject("model");
    model
        .put("type", "BPE")
        .putNull("dropout")
        .putNull("unk_token")
        .put("continuing_subword_prefix", "")
        .put("end_of_word_suffix", "")
        .put("fuse_unk", false)
        .put("byte_fallback", false)
        .put("ignore_merges", pre.equals("llama-bpe") || pre.equals("llama3"));
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < tokens.size(); id++) {
      if (!vocab.has(tokens.get(id))) {
        vocab.put(tokens.get(id), id);
      }
    }
    ArrayNode mergeList = model.putArray("merges");
    merges.forEach(mergeList::add);
    return toJson(root, path);
  }

  private static List<Long> tokenTypes(GgufMetadata meta, Path path, int count) {
    if (!meta.has("tokenizer.ggml.token_type")) {
      return null;
    }
    List<Long> types = meta.array("tokenizer.ggml.token_type", Long.class);
    if (types.size() != count) {
      throw new ModelFormatException(
          path
              + ": metadata 'tokenizer.ggml.token_type' has "
              + types.size()
              + " entries for "
              + count
              + " tokens");
    }
    return types;
  }

  private static ObjectNode preTokenizer(GgufMetadata meta, Path path) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    String pre = meta.optionalString("tokenizer.ggml.pre").orElse("default");
    ObjectNode byteLevel =
        f.objectNode()
            .put("type", "ByteLevel")
            .put("add_prefix_space", false)
            .put("trim_offsets", true);
    switch (pre) {
      case "default":
      case "gpt2":
        return byteLevel.put("use_regex", true);
      case "smollm":
        {
          ObjectNode seq = f.objectNode().put("type", "Sequence");
          seq.putArray("pretokenizers")
              .add(f.objectNode().put("type", "Digits").put("individual_digits", true))
              .add(byteLevel.put("use_regex", true));
          return seq;
        }
      case "llama-bpe":
      case "llama3":
        return splitThenBytes(LLAMA3_REGEX, byteLevel);
      case "qwen2":
        return splitThenBytes(QWEN2_REGEX, byteLevel);
      default:
        throw new ModelFormatException(
            path
                + ": metadata 'tokenizer.ggml.pre' = '"
                + pre
                + "' is not supported"
                + " (default, gpt2, smollm, llama-bpe and qwen2 are)");
    }
  }

  private static ObjectNode splitThenBytes(String regex, ObjectNode byteLevel) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode split =
        f.objectNode().put("type", "Split").put("behavior", "Isolated").put("invert", false);
    split.putObject("pattern").put("Regex", regex);
    ObjectNode seq = f.objectNode().put("type", "Sequence");
    seq.putArray("pretokenizers").add(split).add(byteLevel.put("use_regex", false));
    return seq;
  }

  /** tokenizer_config.json: BOS/EOS by content, add_bos_token, chat_template. */
  private static File config(GgufMetadata meta, List<String> tokens) {
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    Map<String, String> ids = new LinkedHashMap<>();
    ids.put("bos_token", "tokenizer.ggml.bos_token_id");
    ids.put("eos_token", "tokenizer.ggml.eos_token_id");
    ids.put("unk_token", "tokenizer.ggml.unknown_token_id");
    ids.put("pad_token", "tokenizer.ggml.padding_token_id");
    for (Map.Entry<String, String> e : ids.entrySet()) {
      Optional<Long> id = meta.optionalInteger(e.getValue());
      if (id.isPresent()) {
        if (id.get() < 0 || id.get() >= tokens.size()) {
          throw new ModelFormatException(
              meta.path()
                  + ": metadata '"
                  + e.getValue()
                  + "' = "
                  + id.get()
                  + " is outside the "
                  + tokens.size()
                  + "-token vocabulary");
        }
        config.put(e.getKey(), tokens.get(id.get().intValue()));
      } else if (!e.getKey().equals("unk_token") && !e.getKey().equals("pad_token")) {
        config.putNull(e.getKey());
      }
    }
    meta.optionalBool("tokenizer.ggml.add_bos_token")
        .ifPresent(b -> config.put("add_bos_token", b));
    meta.optionalBool("tokenizer.ggml.add_eos_token")
        .ifPresent(b -> config.put("add_eos_token", b));
    meta.optionalString("tokenizer.chat_template").ifPresent(t -> config.put("chat_template", t));
    return new File(CONFIG, toJson(config, meta.path()));
  }

  private static byte[] toJson(ObjectNode node, Path path) {
    try {
      return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ModelFormatException(
          path + ": cannot write its tokenizer as JSON: " + e.getMessage(), e);
    }
  }
}
