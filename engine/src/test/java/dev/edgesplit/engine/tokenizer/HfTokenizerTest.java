package dev.edgesplit.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small tokenizer.json fixtures (test resources) in the two layouts: byte-level BPE as SmolLM2
 * (Digits + ByteLevel regex) and Qwen2 (regex Split + ByteLevel, merges as pairs) write it, and
 * SentencePiece-style BPE as Llama 2 / TinyLlama write it (Prepend/Replace normalizer, byte
 * fallback, Replace/ByteFallback/Fuse/Strip). Byte-level fixtures: ids 0-2 are special tokens, 3 +
 * b is the byte-level char of byte b, merges from 259. SentencePiece fixture: 0-2 unk/BOS/EOS, 3 +
 * b is {@code <0xHH>}, 259 '▁', then letters and merges.
 *
 * <p>The expected ids were worked out by hand from the merge lists and then checked against Hugging
 * Face tokenizers itself (the Rust library, run outside this repository through DJL 0.38.0 on the
 * same files). No real model's tokenizer.json is available offline here, so there are no
 * full-vocabulary goldens.
 */
class HfTokenizerTest {

  static HfTokenizer fixture(String name) {
    try {
      return HfTokenizer.load(
          Path.of(
              HfTokenizerTest.class
                  .getResource("/tokenizers/" + name + "/tokenizer.json")
                  .toURI()));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void byteLevel_encodesLikeHuggingFace() {
    for (String name : new String[] {"bytelevel-smollm2", "bytelevel-qwen2"}) {
      HfTokenizer tok = fixture(name);
      // O n c e Ġ u p o n Ġ a Ġt i m e: "Ġ t" (rank 0) merges; nothing else of "upon" or "time" is
      // in the merges.
      assertThat(tok.encode("Once upon a time", false))
          .as(name)
          .containsExactly(82, 113, 102, 104, 35, 120, 115, 114, 113, 35, 100, 259, 108, 112, 104);
      // H e ll o , Ġworld !: "he" needs a lowercase h; "Ġworld" is built by five merges.
      assertThat(tok.encode("Hello, world!", false))
          .as(name)
          .containsExactly(75, 104, 262, 114, 47, 269, 36);
      assertThat(tok.encode("hello world", false)).as(name).containsExactly(267, 269);
      // é = C3 A9 = "Ã©" merges into "cafÃ©"; ☃ = E2 98 83 stays three byte-level chars.
      assertThat(tok.encode("café ☃", false)).as(name).containsExactly(273, 35, 229, 155, 134);
      assertThat(tok.encode("", false)).as(name).isEmpty();
      // Digits are split one by one, so the merge "1 2" never applies; two spaces: "Ġ" then
      // "Ġthe"-style words.
      assertThat(tok.encode("it's 123 the  world\n\nhello", false))
          .as(name)
          .containsExactly(108, 119, 42, 118, 35, 52, 53, 54, 261, 35, 269, 13, 13, 267);
    }
  }

  @Test
  void byteLevel_matchesAddedTokensVerbatimBeforeBpe() {
    HfTokenizer tok = fixture("bytelevel-qwen2");
    assertThat(tok.encode("<|im_start|>user\nhello the world<|im_end|>", false))
        .containsExactly(1, 120, 118, 104, 117, 13, 267, 261, 269, 2);
    // Not an added token here: spelled out byte by byte.
    assertThat(tok.encode("<s>", false)).containsExactly(63, 118, 65);
    assertThat(tok.decode(new int[] {1, 120, 118, 104, 117, 13, 267, 2})).isEqualTo("user\nhello");
  }

  @Test
  void sentencePiece_encodesLikeHuggingFace() {
    HfTokenizer tok = fixture("sentencepiece-llama");
    // ▁Once ▁upon ▁a, then "▁ t" (rank 0) wins over the later "▁ time": ▁t i m e.
    assertThat(tok.encode("Once upon a time", false))
        .containsExactly(286, 289, 290, 281, 265, 266, 260);
    assertThat(tok.encode("Once upon a time", true))
        .containsExactly(1, 286, 289, 290, 281, 265, 266, 260);
    assertThat(tok.encode("Hello, world!", false)).containsExactly(299, 276, 304, 277);
    assertThat(tok.encode("hello world", false)).containsExactly(259, 280, 296, 262, 304);
    // ☃ is not in the vocab: byte fallback <0xE2> <0x98> <0x83>.
    assertThat(tok.encode("café ☃", false)).containsExactly(308, 259, 229, 155, 134);
    assertThat(tok.encode("", false)).isEmpty();
    assertThat(tok.encode("", true)).containsExactly(1);
    assertThat(tok.encode("it's 123 the  world\n\nhello", false))
        .containsExactly(
            259, 265, 261, 42, 118, 259, 52, 53, 54, 309, 260, 259, 304, 13, 13, 280, 296, 262);
  }

  @Test
  void sentencePiece_normalizesEachStretchBetweenAddedTokens() {
    HfTokenizer tok = fixture("sentencepiece-llama");
    // As Hugging Face does: " time" after the added token gets its own "▁" prefix, hence "▁ ▁t".
    assertThat(tok.encode("Hello <|user|> time", false))
        .containsExactly(299, 259, 310, 259, 281, 265, 266, 260);
    assertThat(tok.encode("Once upon a time<s>café", false))
        .containsExactly(286, 289, 290, 281, 265, 266, 260, 1, 308);
  }

  @Test
  void decode_roundTrips() {
    String[] texts = {
      "Once upon a time",
      "Hello, world!",
      "hello world",
      "café ☃",
      "it's 123 the  world\n\nhello",
      ""
    };
    for (String name :
        new String[] {"bytelevel-smollm2", "bytelevel-qwen2", "sentencepiece-llama"}) {
      HfTokenizer tok = fixture(name);
      for (String text : texts) {
        assertThat(tok.decode(tok.encode(text, true))).as("%s: %s", name, text).isEqualTo(text);
        assertThat(tok.decode(tok.encode(text, false))).as("%s: %s", name, text).isEqualTo(text);
      }
    }
  }

  @Test
  void sentencePiece_stripsTheDummySpaceOnlyAtTheStart() {
    HfTokenizer tok = fixture("sentencepiece-llama");
    assertThat(tok.decode(-1, 286)).isEqualTo("Once");
    assertThat(tok.decode(1, 286)).isEqualTo("Once"); // after the special BOS
    assertThat(tok.decode(260, 286)).isEqualTo(" Once");
    assertThat(tok.decode(-1, 13)).isEqualTo("\n"); // <0x0A>
    // As Hugging Face with skip_special_tokens: a special token mid-text does not start a new text.
    assertThat(tok.decode(new int[] {1, 286, 2, 286})).isEqualTo("Once Once");
    assertThat(tok.decode(new int[] {259, 286}))
        .isEqualTo(" Once"); // only one leading space is stripped
  }

  @Test
  void streamDecoder_assemblesCharacterSplitAcrossByteTokens() {
    for (String name : new String[] {"sentencepiece-llama", "bytelevel-smollm2"}) {
      // In both fixtures ids 229 155 134 are the bytes E2 98 83 of ☃ (<0xE2>.. or the byte-level
      // chars â ĺ ĥ).
      Tokenizer.StreamDecoder decoder = fixture(name).newDecoder(308);
      assertThat(decoder.next(229)).as(name).isEmpty();
      assertThat(decoder.next(155)).as(name).isEmpty();
      assertThat(decoder.next(134)).as(name).isEqualTo("☃");
      assertThat(decoder.flush()).as(name).isEmpty();
    }
  }

  @Test
  void bosAndEos_fromConfigOrWellKnownTokens() {
    HfTokenizer smol = fixture("bytelevel-smollm2");
    assertThat(smol.bos()).isEqualTo(0); // <|endoftext|>
    assertThat(smol.eos()).isEqualTo(0);
    HfTokenizer qwen =
        fixture("bytelevel-qwen2"); // tokenizer_config.json: bos_token null, eos_token <|im_end|>
    assertThat(qwen.bos()).isEqualTo(-1);
    assertThat(qwen.eos()).isEqualTo(2);
    assertThat(qwen.encode("hello", true)).containsExactly(267);
    HfTokenizer llama = fixture("sentencepiece-llama");
    assertThat(llama.bos()).isEqualTo(1);
    assertThat(llama.eos()).isEqualTo(2);
    assertThat(llama.vocabSize()).isEqualTo(311);
    assertThat(llama.isSpecial(1)).isTrue();
    assertThat(llama.isSpecial(310)).isFalse();
    assertThat(llama.decode(-1, 310)).isEqualTo("<|user|>");
    assertThat(llama.decode(-1, 2)).isEmpty();
  }

  @Test
  void metaspacePreTokenizerAndDecoder(@TempDir Path dir) throws Exception {
    Path file =
        write(
            dir,
            "{\"added_tokens\": [], \"normalizer\": null,"
                + " \"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"first\", \"split\": true},"
                + " \"decoder\": {\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"first\", \"split\": true},"
                + " \"model\": {\"type\": \"BPE\", \"unk_token\": \"<unk>\", \"fuse_unk\": true, \"byte_fallback\": false,"
                + " \"vocab\": {\"<unk>\": 0, \"▁\": 1, \"a\": 2, \"b\": 3, \"▁a\": 4}, \"merges\": [[\"▁\", \"a\"]]}}");
    HfTokenizer tok = HfTokenizer.load(file);
    assertThat(tok.encode("a b", false)).containsExactly(4, 1, 3);
    assertThat(tok.encode("a xyb", false)).containsExactly(4, 1, 0, 3); // x and y fuse into one unk
    assertThat(tok.decode(new int[] {4, 1, 3})).isEqualTo("a b");
    assertThat(tok.bos()).isEqualTo(-1);
  }

  @Test
  void load_rejectsWhatItCannotRun(@TempDir Path dir) throws Exception {
    Path unigram = write(dir, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
    assertThatThrownBy(() -> HfTokenizer.load(unigram))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(unigram.toString())
        .hasMessageContaining("Unigram");

    Path badMerge =
        write(
            dir,
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}");
    assertThatThrownBy(() -> HfTokenizer.load(badMerge))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("merge 0 (a + b)");

    Path notJson = write(dir, "{\"model\": ");
    assertThatThrownBy(() -> HfTokenizer.load(notJson))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("invalid JSON");

    Path wordPiece =
        write(
            dir,
            "{\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
                + " \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}");
    assertThatThrownBy(() -> HfTokenizer.load(wordPiece))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("unsupported pre_tokenizer type \"BertPreTokenizer\"");
  }

  @Test
  void load_rejectsConfigNamingAnUnknownToken(@TempDir Path dir) throws Exception {
    Path file =
        write(dir, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}");
    Files.writeString(
        dir.resolve("tokenizer_config.json"), "{\"eos_token\": {\"content\": \"</s>\"}}");
    assertThatThrownBy(() -> HfTokenizer.load(file))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("tokenizer_config.json")
        .hasMessageContaining("eos_token \"</s>\"");
  }

  private static Path write(Path dir, String json) throws Exception {
    Path file = Files.createTempFile(dir, "tokenizer", ".json");
    Files.writeString(file, json, StandardCharsets.UTF_8);
    return file;
  }
}
