package dev.edgesplit.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.testkit.SharedModels;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden ids for the real llama2.c vocabularies. The expected ids were produced by an oracle that
 * runs the encode() algorithm of karpathy/llama2.c run.c (compiled outside this repository, fed the
 * same files); "Once upon a time" = [1, 9038, 2501, 263, 931] is also the well-known Llama 2
 * encoding.
 */
class Llama2cTokenizerTest {

  static final String ONCE = "Once upon a time";
  static final String PUNCTUATION = "Hello, world! It's a \"test\": 3+4=7; ok?";
  static final String NON_ASCII = "café ☃";
  static final String PARAGRAPH =
      "Lily and Ben went to the park. They saw a big dog!\nThe dog said: \"Woof, woof!\""
          + " and ran away... Then it started to rain, so they ran home, laughing. 🌧️ Mom made hot cocoa — yum.";

  private static Llama2cTokenizer tok512() {
    return Llama2cTokenizer.load(SharedModels.require("stories260K/tok512.bin"));
  }

  private static Llama2cTokenizer llama32k() {
    return Llama2cTokenizer.load(SharedModels.require("llama2-tokenizer-32k/tokenizer.bin"));
  }

  @Test
  void tok512_encodesLikeRunC() {
    Llama2cTokenizer tok = tok512();
    assertThat(tok.vocabSize()).isEqualTo(512);
    assertThat(tok.encode(ONCE, true)).containsExactly(1, 403, 407, 261, 378);
    assertThat(tok.encode(PUNCTUATION, true))
        .containsExactly(
            1, 346, 306, 414, 432, 263, 304, 341, 443, 359, 413, 439, 419, 261, 313, 413, 411, 356,
            436, 467, 410, 472, 496, 484, 64, 491, 474, 334, 433, 450);
    // 'é' and '☃' are not in this vocabulary: UTF-8 bytes + 3 (☃ = E2 98 83 -> 229 155 134)
    assertThat(tok.encode(NON_ASCII, true))
        .containsExactly(1, 280, 412, 431, 485, 410, 229, 155, 134);
    assertThat(tok.encode("", true)).containsExactly(1);
    assertThat(tok.encode("", false)).isEmpty();
    assertThat(tok.encode(ONCE, false)).containsExactly(403, 407, 261, 378);
  }

  @Test
  void llama32k_encodesLikeRunC() {
    Llama2cTokenizer tok = llama32k();
    assertThat(tok.vocabSize()).isEqualTo(32000);
    assertThat(tok.encode(ONCE, true)).containsExactly(1, 9038, 2501, 263, 931);
    assertThat(tok.encode(PUNCTUATION, true))
        .containsExactly(
            1, 15043, 29892, 3186, 29991, 739, 29915, 29879, 263, 376, 1688, 1115, 29871, 29941,
            29974, 29946, 29922, 29955, 29936, 3431, 29973);
    assertThat(tok.encode(NON_ASCII, true)).containsExactly(1, 274, 28059, 29871, 229, 155, 134);
    assertThat(tok.encode("", true)).containsExactly(1);
    assertThat(tok.encode(PARAGRAPH, true))
        .containsExactly(
            1, 365, 2354, 322, 4111, 3512, 304, 278, 14089, 29889, 2688, 4446, 263, 4802, 11203,
            29991, 13, 1576, 11203, 1497, 29901, 376, 29956, 29877, 974, 29892, 8879, 974, 3850,
            322, 6350, 3448, 856, 1987, 372, 4687, 304, 17251, 29892, 577, 896, 6350, 3271, 29892,
            425, 29700, 29889, 29871, 243, 162, 143, 170, 30598, 341, 290, 1754, 7375, 274, 22531,
            813, 343, 398, 29889);
  }

  @Test
  void tok512_paragraphGolden() {
    assertThat(tok512().encode(PARAGRAPH, true))
        .containsExactly(
            1, 317, 269, 368, 302, 263, 377, 267, 265, 282, 295, 433, 426, 342, 394, 261, 370, 400,
            428, 443, 13, 434, 260, 400, 428, 336, 467, 313, 448, 347, 431, 432, 263, 347, 431, 443,
            436, 269, 352, 303, 261, 424, 283, 426, 426, 426, 291, 416, 312, 349, 295, 413, 266,
            267, 352, 412, 271, 432, 384, 366, 352, 303, 270, 287, 411, 432, 278, 412, 425, 428,
            415, 299, 426, 410, 243, 162, 143, 170, 242, 187, 146, 392, 287, 284, 380, 411, 270,
            309, 280, 414, 429, 414, 412, 410, 481, 348, 425, 423, 426);
  }

  @Test
  void decode_roundTripsEveryGoldenText() {
    for (Llama2cTokenizer tok : new Llama2cTokenizer[] {tok512(), llama32k()}) {
      for (String text : new String[] {ONCE, PUNCTUATION, NON_ASCII, PARAGRAPH, ""}) {
        assertThat(tok.decode(tok.encode(text, true))).as("%s", text).isEqualTo(text);
        // Without BOS nothing strips the dummy-prefix space.
        assertThat(tok.decode(tok.encode(text, false))).isEqualTo(text.isEmpty() ? "" : " " + text);
      }
    }
  }

  @Test
  void decode_stripsLeadingSpaceOnlyAfterBos() {
    Llama2cTokenizer tok = llama32k();
    assertThat(tok.piece(9038)).isEqualTo(" Once");
    assertThat(tok.decode(1, 9038)).isEqualTo("Once");
    assertThat(tok.decode(931, 9038)).isEqualTo(" Once");
    assertThat(tok.decode(-1, 13)).isEqualTo("\n"); // <0x0A> is a raw byte
  }

  @Test
  void streamDecoder_assemblesCharacterSplitAcrossByteTokens() {
    Llama2cTokenizer tok = tok512();
    Tokenizer.StreamDecoder decoder = tok.newDecoder(403);
    // ☃ = E2 98 83 arrives as three byte tokens: nothing until the last one.
    assertThat(decoder.next(229)).isEmpty();
    assertThat(decoder.next(155)).isEmpty();
    assertThat(decoder.next(134)).isEqualTo("☃");
    assertThat(decoder.next(410)).isEqualTo(" ");
    assertThat(decoder.flush()).isEmpty();
    // A stateless decode of a lone lead byte cannot produce text.
    assertThat(tok.decode(410, 229)).isEmpty();
  }

  @Test
  void streamDecoder_flushesIncompleteSequenceLeniently() {
    Tokenizer.StreamDecoder decoder = tok512().newDecoder();
    assertThat(decoder.next(229)).isEmpty();
    assertThat(decoder.flush()).isEqualTo("\uFFFD");
    // A stray continuation byte can never complete: it comes out at once instead of stalling the
    // stream.
    assertThat(decoder.next(0x98 + 3)).isEqualTo("\uFFFD");
  }

  @Test
  void load_isFastForTheFullVocabulary() {
    Path file = SharedModels.require("llama2-tokenizer-32k/tokenizer.bin");
    Llama2cTokenizer.load(file); // warm up class loading
    long start = System.nanoTime();
    Llama2cTokenizer tok = Llama2cTokenizer.load(file);
    long loadMicros = (System.nanoTime() - start) / 1000;
    start = System.nanoTime();
    int[] ids = tok.encode(PARAGRAPH.repeat(20), true);
    long encodeMicros = (System.nanoTime() - start) / 1000;
    System.out.printf(
        "llama2 32k tokenizer.bin: load %d us, encode %d chars -> %d tokens in %d us%n",
        loadMicros, PARAGRAPH.length() * 20, ids.length, encodeMicros);
    assertThat(loadMicros).as("load time in microseconds").isLessThan(500_000);
  }

  @Test
  void load_withModelVocabSize_readsOnlyThatMany(@TempDir Path dir) throws Exception {
    Path src = SharedModels.require("stories260K/tok512.bin");
    Path padded = dir.resolve("tok.bin");
    byte[] data = Files.readAllBytes(src);
    Files.write(
        padded, Arrays.copyOf(data, data.length + 3)); // trailing junk that run.c never reads
    assertThat(Llama2cTokenizer.load(padded, 512).vocabSize()).isEqualTo(512);
    assertThatThrownBy(() -> Llama2cTokenizer.load(padded))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(padded.toString())
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> Llama2cTokenizer.load(src, 513))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("token 512 of the 513 expected");
  }

  @Test
  void load_rejectsTruncatedAndCorruptFiles(@TempDir Path dir) throws Exception {
    byte[] data = Files.readAllBytes(SharedModels.require("stories260K/tok512.bin"));
    Path truncated = dir.resolve("truncated.bin");
    Files.write(truncated, Arrays.copyOf(data, data.length - 2));
    assertThatThrownBy(() -> Llama2cTokenizer.load(truncated))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(truncated.toString())
        .hasMessageContaining("token 511");

    Path badLength = dir.resolve("bad-length.bin");
    byte[] corrupt = data.clone();
    ByteBuffer.wrap(corrupt)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(4 + 4, 1000); // length of token 0
    Files.write(badLength, corrupt);
    assertThatThrownBy(() -> Llama2cTokenizer.load(badLength))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(badLength.toString())
        .hasMessageContaining("token 0 at byte 4 has length 1000");

    Path empty = dir.resolve("empty.bin");
    Files.write(empty, new byte[0]);
    assertThatThrownBy(() -> Llama2cTokenizer.load(empty))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("no header");

    assertThatThrownBy(() -> Llama2cTokenizer.load(dir.resolve("missing.bin")))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("missing.bin");
  }

  @Test
  void load_rejectsVocabularyWithoutByteTokens(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tiny.bin");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer header = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(5);
    out.write(header.array());
    for (String piece : new String[] {"<unk>", "<s>", "</s>", "a", " "}) {
      byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
      out.write(
          ByteBuffer.allocate(8)
              .order(ByteOrder.LITTLE_ENDIAN)
              .putFloat(0f)
              .putInt(bytes.length)
              .array());
      out.write(bytes);
    }
    Files.write(file, out.toByteArray());
    assertThatThrownBy(() -> Llama2cTokenizer.load(file))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("256 byte tokens");
  }

  @Test
  void rejectsIdsOutsideTheVocabulary() {
    Llama2cTokenizer tok = tok512();
    assertThatThrownBy(() -> tok.decode(-1, 512)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tok.newDecoder().next(-5))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
