package dev.edgesplit.partitioner.model.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.TokenizerConfig;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A byte-level BPE vocabulary written both as a Hugging Face tokenizer.json (the shape GPT-2 and
 * Qwen2 ship) and as GGUF {@code tokenizer.ggml.*} metadata (as llama.cpp's converter writes it):
 * both tokenize alike.
 */
class GgufBpeTokenizerTest {

  private static final List<String> MERGES =
      List.of(
          "Ġ t", "h e", "Ġt he", "i n", "Ġ a", "a n", "Ġa n", "n d", "Ġan d", "o n", "e r", "Ġ w",
          "o r", "Ġw or", "l d", "Ġwor ld", "Ġ 1", "1 2", "Ġ Ġ", "ĠĠ Ġ", "' s", "Ã ©");
  private static final List<String> TEXTS =
      List.of(
          "the world and the tide",
          "",
          "Hello, world!",
          "in 12 and 123 and 1234",
          "   three spaces then\nnew line",
          "it's café's",
          "<|im_start|>user\nhi<|im_end|>",
          "日本語 🙂 <|endoftext|> after");

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "qwen2"})
  void ggufVocabulary_tokenizesLikeTheSameVocabularyInTokenizerJson(String pre) throws Exception {
    List<String> tokens = new ArrayList<>(byteAlphabet());
    for (String merge : MERGES) {
      String merged = merge.replace(" ", "");
      if (!tokens.contains(merged)) {
        tokens.add(merged);
      }
    }
    int endOfText = tokens.size();
    tokens.addAll(List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"));
    List<Long> types = new ArrayList<>(Collections.nCopies(endOfText, 1L));
    types.addAll(List.of(3L, 3L, 3L));
    String template =
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}";

    Path hf = Files.createDirectories(dir.resolve("hf"));
    Files.writeString(hf.resolve("tokenizer.json"), tokenizerJson(tokens, endOfText, pre));
    Files.writeString(
        hf.resolve("tokenizer_config.json"),
        "{\"bos_token\": null, \"eos_token\": \"<|im_end|>\", \"chat_template\": "
            + new ObjectMapper().writeValueAsString(template)
            + "}");

    Path gguf =
        new GgufWriter()
            .string("general.architecture", "qwen2")
            .string("tokenizer.ggml.model", "gpt2")
            .string("tokenizer.ggml.pre", pre.equals("gpt2") ? "default" : "qwen2")
            .strings("tokenizer.ggml.tokens", tokens)
            .ints("tokenizer.ggml.token_type", types)
            .strings("tokenizer.ggml.merges", MERGES)
            .u32("tokenizer.ggml.eos_token_id", endOfText + 2)
            .string("tokenizer.chat_template", template)
            .write(dir.resolve("vocab.gguf"));
    Path out = Files.createDirectories(dir.resolve("from-gguf"));
    try (GgufFile file = GgufFile.open(gguf)) {
      for (GgufTokenizer.File f :
          GgufTokenizer.files(file.metadata(), gguf, tokens.size()).orElseThrow()) {
        Files.write(out.resolve(f.name()), f.bytes());
      }
    }

    Tokenizer expected = Tokenizers.load(hf.resolve("tokenizer.json"));
    Tokenizer actual = Tokenizers.load(out.resolve("tokenizer.json"));
    for (String text : TEXTS) {
      int[] ids = expected.encode(text, false);
      assertThat(actual.encode(text, false)).as(text).containsExactly(ids);
      assertThat(actual.decode(ids)).as(text).isEqualTo(expected.decode(ids));
    }
    assertThat(expected.encode(" the world", false)).as("merges apply").hasSize(2);
    assertThat(actual.bos()).isEqualTo(expected.bos()).isEqualTo(-1);
    assertThat(actual.eos()).isEqualTo(expected.eos()).isEqualTo(endOfText + 2);
    assertThat(actual.vocabSize()).isEqualTo(expected.vocabSize());
    assertThat(TokenizerConfig.chatTemplate(out.resolve("tokenizer.json"))).contains(template);
  }

  /**
   * tokenizer.json as Hugging Face writes it for GPT-2 (ByteLevel) or Qwen2 (Split regex, then
   * ByteLevel).
   */
  private static String tokenizerJson(List<String> tokens, int firstSpecial, String pre)
      throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    ArrayNode added = root.putArray("added_tokens");
    for (int id = firstSpecial; id < tokens.size(); id++) {
      added.addObject().put("id", id).put("content", tokens.get(id)).put("special", true);
    }
    if (pre.equals("gpt2")) {
      root.putObject("pre_tokenizer")
          .put("type", "ByteLevel")
          .put("add_prefix_space", false)
          .put("use_regex", true);
    } else {
      ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
      ObjectNode split =
          seq.putArray("pretokenizers")
              .addObject()
              .put("type", "Split")
              .put("behavior", "Isolated")
              .put("invert", false);
      split
          .putObject("pattern")
          .put(
              "Regex",
              "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|"
                  + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
      ((ArrayNode) seq.get("pretokenizers"))
          .addObject()
          .put("type", "ByteLevel")
          .put("add_prefix_space", false)
          .put("use_regex", false);
    }
    root.putObject("decoder").put("type", "ByteLevel");
    ObjectNode model = root.putObject("model").put("type", "BPE");
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < firstSpecial; id++) {
      vocab.put(tokens.get(id), id);
    }
    ArrayNode merges = model.putArray("merges");
    MERGES.forEach(merges::add);
    return json.writeValueAsString(root);
  }

  /**
   * GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest map to U+0100 onwards.
   */
  private static List<String> byteAlphabet() {
    List<String> out = new ArrayList<>();
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      out.add(String.valueOf((char) (printable ? b : 256 + extra++)));
    }
    return out;
  }
}
