package dev.edgesplit.engine.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model, in either of the two layouts Llama-family
 * models use: byte-level BPE (GPT-2 alphabet, ByteLevel pre-tokenizer and decoder, optionally after
 * a regex Split: SmolLM2, Qwen2, Llama 3) and SentencePiece-style BPE (normalizer Prepend "▁" +
 * Replace " " with "▁" or a Metaspace pre-tokenizer, byte fallback, decoder
 * Replace/ByteFallback/Fuse/Strip: Llama 2, TinyLlama).
 *
 * <p>Pipeline, as in Hugging Face tokenizers: added tokens are cut out of the raw text first
 * (verbatim, leftmost-longest); each stretch between them is normalized, pre-tokenized into words,
 * and each word BPE-encoded. The post_processor is ignored: {@link #encode(String, boolean)} adds
 * BOS itself. Special added tokens decode to nothing (as with skip_special_tokens). Immutable and
 * thread-safe.
 */
public final class HfTokenizer implements Tokenizer {

  private static final String[] BOS_GUESSES = {
    "<s>", "<|begin_of_text|>", "<|endoftext|>", "<|im_start|>"
  };
  private static final String[] EOS_GUESSES = {
    "</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>"
  };

  private final String source;
  private final AddedTokens added;
  private final HfNormalizer normalizer;
  private final HfPreTokenizer preTokenizer;
  private final HfBpeModel model;
  private final HfDecoder decoder;
  private final String[] tokens; // [vocabSize] vocab string of each id, null for ids that have none
  private final int bos;
  private final int eos;

  private HfTokenizer(
      String source,
      AddedTokens added,
      HfNormalizer normalizer,
      HfPreTokenizer preTokenizer,
      HfBpeModel model,
      HfDecoder decoder,
      String[] tokens,
      int bos,
      int eos) {
    this.source = source;
    this.added = added;
    this.normalizer = normalizer;
    this.preTokenizer = preTokenizer;
    this.model = model;
    this.decoder = decoder;
    this.tokens = tokens;
    this.bos = bos;
    this.eos = eos;
  }

  /**
   * Loads {@code file} (a tokenizer.json). BOS and EOS come from a {@code tokenizer_config.json} in
   * the same folder when it names them, else from well-known added tokens ("&lt;s&gt;",
   * "&lt;|endoftext|&gt;", ...).
   */
  public static HfTokenizer load(Path file) {
    String source = file.toString();
    ObjectMapper mapper = new ObjectMapper();
    JsonNode root = readJson(mapper, file);
    JsonNode modelNode = root.get("model");
    if (modelNode == null || !modelNode.isObject()) {
      throw new TokenizerException(source + ": not a tokenizer.json: no \"model\" object");
    }
    HfBpeModel model = HfBpeModel.from(modelNode, source);
    List<AddedTokens.Entry> entries = new ArrayList<>();
    JsonNode addedNode = root.get("added_tokens");
    if (addedNode != null && addedNode.isArray()) {
      for (JsonNode token : addedNode) {
        if (!token.path("id").canConvertToInt() || token.path("content").asText("").isEmpty()) {
          throw new TokenizerException(source + ": added token without id or content: " + token);
        }
        entries.add(
            new AddedTokens.Entry(
                token.get("id").asInt(),
                token.get("content").asText(),
                token.path("special").asBoolean(false)));
      }
    }
    AddedTokens added = new AddedTokens(entries);
    String[] tokens = idTable(model.vocab(), entries);
    HfNormalizer normalizer = HfNormalizer.from(root.get("normalizer"), source);
    HfPreTokenizer preTokenizer = HfPreTokenizer.from(root.get("pre_tokenizer"), source);
    HfDecoder decoder = HfDecoder.from(root.get("decoder"), source);

    JsonNode config = null;
    Path configFile = file.resolveSibling("tokenizer_config.json");
    if (Files.isRegularFile(configFile)) {
      config = readJson(mapper, configFile);
    }
    int bos = specialId(config, "bos_token", BOS_GUESSES, added, model.vocab(), configFile);
    int eos = specialId(config, "eos_token", EOS_GUESSES, added, model.vocab(), configFile);
    return new HfTokenizer(
        source, added, normalizer, preTokenizer, model, decoder, tokens, bos, eos);
  }

  private static JsonNode readJson(ObjectMapper mapper, Path file) {
    try {
      return mapper.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new TokenizerException(file + ": invalid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static String[] idTable(Map<String, Integer> vocab, List<AddedTokens.Entry> entries) {
    int max = -1;
    for (int id : vocab.values()) {
      max = Math.max(max, id);
    }
    for (AddedTokens.Entry entry : entries) {
      max = Math.max(max, entry.id());
    }
    String[] tokens = new String[max + 1];
    for (Map.Entry<String, Integer> entry : vocab.entrySet()) {
      tokens[entry.getValue()] = entry.getKey();
    }
    for (AddedTokens.Entry entry : entries) {
      tokens[entry.id()] = entry.content();
    }
    return tokens;
  }

  private static int specialId(
      JsonNode config,
      String key,
      String[] guesses,
      AddedTokens added,
      Map<String, Integer> vocab,
      Path configFile) {
    if (config != null && config.has(key)) {
      JsonNode value = config.get(key);
      if (value.isNull()) {
        return -1;
      }
      String content = value.isObject() ? value.path("content").asText("") : value.asText("");
      int id = idOf(content, added, vocab);
      if (id < 0) {
        throw new TokenizerException(
            configFile + ": " + key + " \"" + content + "\" is not a token of the tokenizer");
      }
      return id;
    }
    for (String guess : guesses) {
      int id = idOf(guess, added, vocab);
      if (id >= 0) {
        return id;
      }
    }
    return -1;
  }

  private static int idOf(String content, AddedTokens added, Map<String, Integer> vocab) {
    AddedTokens.Entry entry = added.byContent(content);
    if (entry != null) {
      return entry.id();
    }
    Integer id = vocab.get(content);
    return id == null ? -1 : id;
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    IntList out = new IntList();
    if (addBos && bos >= 0) {
      out.add(bos);
    }
    boolean first = true;
    for (AddedTokens.Segment segment : added.split(text)) {
      if (segment.id() >= 0) {
        out.add(segment.id());
      } else {
        String normalized = normalizer.normalize(segment.text());
        for (String word : preTokenizer.words(normalized, first)) {
          model.encodeWord(word, out);
        }
      }
      first = false;
    }
    return out.toArray();
  }

  /**
   * Decodes one token, taking it to start the text when {@code previous} is -1 or a special token
   * (a stream decoder tracks that exactly). A byte-fallback byte of a multi-byte character decodes
   * to "" here: use a {@link #newDecoder() stream decoder}.
   */
  @Override
  public String decode(int previous, int token) {
    byte[] bytes = bytes(previous, token, previous < 0 || isSpecial(previous));
    return new String(
        bytes, 0, Utf8StreamDecoder.completePrefix(bytes, bytes.length), StandardCharsets.UTF_8);
  }

  @Override
  public StreamDecoder newDecoder(int previous) {
    return new Utf8StreamDecoder(this::bytes, this::isSpecial, tokens.length, previous);
  }

  /**
   * Special tokens decode to nothing and do not end the start of the text: Hugging Face drops them
   * before its decoder runs, so a Strip after Fuse sees the text of the first non-special token
   * first.
   */
  private byte[] bytes(int previous, int token, boolean atStart) {
    checkId(token);
    AddedTokens.Entry entry = added.byId(token);
    if (entry != null) {
      return entry.special() ? new byte[0] : entry.content().getBytes(StandardCharsets.UTF_8);
    }
    String content = tokens[token];
    if (content == null) {
      return new byte[0];
    }
    return decoder.decode(content, atStart);
  }

  /**
   * The vocabulary string of {@code token} (byte-level spelling for byte-level vocabularies), or
   * null.
   */
  public String token(int token) {
    checkId(token);
    return tokens[token];
  }

  /** True when {@code token} is a special added token (decodes to nothing). */
  public boolean isSpecial(int token) {
    AddedTokens.Entry entry = token >= 0 ? added.byId(token) : null;
    return entry != null && entry.special();
  }

  @Override
  public int bos() {
    return bos;
  }

  @Override
  public int eos() {
    return eos;
  }

  @Override
  public int vocabSize() {
    return tokens.length;
  }

  private void checkId(int token) {
    if (token < 0 || token >= tokens.length) {
      throw new IllegalArgumentException(
          source + ": token id " + token + " is outside [0, " + tokens.length + ")");
    }
  }
}
