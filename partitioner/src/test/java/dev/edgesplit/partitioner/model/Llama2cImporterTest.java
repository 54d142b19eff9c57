package dev.edgesplit.partitioner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SamplingParams;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.reference.ReferenceForward;
import dev.edgesplit.testkit.SharedModels;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cImporterTest {

  private static final String STORIES_SHA256 =
      "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696";
  private static final String GREEDY_TEXT =
      "Once upon a time, there was a little girl named Lily. She loved to play"
          + " outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.";

  @TempDir Path tmp;

  @Test
  void load_readsStories260kConfigTensorsTokenizerAndFingerprint() throws Exception {
    Path bin = SharedModels.require("stories260K/stories260K.bin");
    assertThat(Files.size(bin)).isEqualTo(1_056_540L);

    ModelWeights m = Llama2cImporter.load(bin);

    assertThat(m.config())
        .isEqualTo(
            new ModelConfig(
                "llama2c", 64, 172, 5, 8, 4, 512, 512, 10000f, 1e-5f, true, true, false));
    assertThat(m.tensors()).hasSize(1 + 5 * 9 + 1);
    assertThat(m.layer(4, "w2").shape()).containsExactly(64, 172);
    assertThat(m.layer(0, "wk").shape()).containsExactly(32, 64);
    assertThat(m.lmHead()).isSameAs(m.tensor("tok_embeddings"));
    assertThat(m.tokenizer()).contains(bin.resolveSibling("tok512.bin"));
    assertThat(m.fingerprint()).isEqualTo(STORIES_SHA256);
    // First floats after the 28-byte header are the embedding of token 0.
    ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(m.tensor("tok_embeddings").data()[0]).isEqualTo(raw.getFloat(28));
    // The last floats of the file are rms_final followed by the 2*512*4 RoPE floats.
    assertThat(m.tensor("norm").data()[63]).isEqualTo(raw.getFloat(1_056_540 - 4 * 4096 - 4));
  }

  @Test
  void stories260k_greedyDecoding_printsTheLlama2cReferenceText() throws Exception {
    ModelWeights m = Llama2cImporter.load(SharedModels.require("stories260K/stories260K.bin"));
    Tokenizer vocab = Tokenizers.load(m.tokenizer().orElseThrow());
    int[] prompt = vocab.encode("Once upon a time", true);
    ReferenceForward f = new ReferenceForward(m, 100);
    Sampler greedy = new Sampler(SamplingParams.GREEDY, m.config().vocabSize());
    StringBuilder text = new StringBuilder();
    int token = prompt[0];
    for (int pos = 0; pos < 99; pos++) {
      float[] logits = f.step(token);
      int next = pos + 1 < prompt.length ? prompt[pos + 1] : greedy.sample(logits, pos + 1);
      if (next == 1) {
        break;
      }
      text.append(vocab.decode(token, next));
      token = next;
    }
    assertThat(text.toString()).startsWith(GREEDY_TEXT);
  }

  @Test
  void q8File_dequantizesWithin001OfFp32_andKeepsNormsExact() {
    ModelWeights fp32 = Llama2cImporter.load(SharedModels.require("stories260K/stories260K.bin"));
    ModelWeights q8 = Llama2cImporter.load(SharedModels.require("stories260K/stories260K-q8.bin"));

    assertThat(q8.config()).isEqualTo(fp32.config());
    assertThat(q8.tensors().keySet()).isEqualTo(fp32.tensors().keySet());
    for (Map.Entry<String, FloatTensor> e : fp32.tensors().entrySet()) {
      FloatTensor q = q8.tensor(e.getKey());
      assertThat(q.shape()).as(e.getKey()).isEqualTo(e.getValue().shape());
      if (e.getKey().endsWith("norm")) {
        assertThat(q.data()).as(e.getKey()).isEqualTo(e.getValue().data());
      } else {
        assertThat(maxAbsDiff(q.data(), e.getValue().data()))
            .as(e.getKey())
            .isLessThan(0.01f)
            .isGreaterThan(0f);
      }
    }
  }

  @Test
  void writer_roundTripsStories260kToTheSameWeightBytes() throws Exception {
    Path bin = SharedModels.require("stories260K/stories260K.bin");
    ModelWeights m = Llama2cImporter.load(bin);
    Path copy = tmp.resolve("copy.bin");

    Llama2cWriter.write(m, copy);

    byte[] original = Files.readAllBytes(bin);
    byte[] written = Files.readAllBytes(copy);
    assertThat(written).hasSameSizeAs(original);
    int ropeStart = original.length - 4 * 4096;
    // Everything but the RoPE tables (recomputed here, may differ in the last bit) is
    // byte-identical.
    assertThat(Arrays.copyOf(written, ropeStart)).isEqualTo(Arrays.copyOf(original, ropeStart));
    ByteBuffer a = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer b = ByteBuffer.wrap(written).order(ByteOrder.LITTLE_ENDIAN);
    for (int off = ropeStart; off < original.length; off += 4) {
      assertThat(b.getFloat(off))
          .isCloseTo(a.getFloat(off), org.assertj.core.data.Offset.offset(1e-5f));
    }
    ModelWeights again = Llama2cImporter.load(copy);
    assertSameTensors(again, m);
  }

  @Test
  void writer_roundTripsUntiedRotateHalfSyntheticModel() {
    ModelWeights m = SyntheticModels.generate("tiny", 7);
    Path file = tmp.resolve("tiny.bin");

    Llama2cWriter.write(m, file);
    ModelWeights back = Llama2cImporter.load(file);

    ModelConfig c = back.config();
    assertThat(c.ropeInterleaved()).isTrue();
    assertThat(c.tiedEmbeddings()).isFalse();
    assertThat(back.tensor("output").data()).isEqualTo(m.tensor("output").data());
    for (int l = 0; l < c.nLayers(); l++) {
      // wq/wk were permuted to llama2.c's interleaved order; undoing it gives the original rows.
      assertThat(RopeLayout.interleavedToHalves(back.layer(l, "wq"), c.headSize()).data())
          .isEqualTo(m.layer(l, "wq").data());
      assertThat(RopeLayout.interleavedToHalves(back.layer(l, "wk"), c.headSize()).data())
          .isEqualTo(m.layer(l, "wk").data());
      assertThat(back.layer(l, "w2").data()).isEqualTo(m.layer(l, "w2").data());
    }
    // Same function: identical greedy logits up to float rounding.
    float[] a = new ReferenceForward(m, 4).step(5);
    ReferenceForward fb = new ReferenceForward(back, 4);
    ReferenceForward fa = new ReferenceForward(m, 4);
    fa.step(5);
    fb.step(5);
    assertThat(maxAbsDiff(fa.step(9), fb.step(9))).isLessThan(1e-4f);
    assertThat(a).doesNotContain(Float.NaN);
  }

  @Test
  void writer_refusesWhatTheFormatCannotStore() {
    ModelWeights smol = SyntheticModels.generate(tinyWith(100000f, false), 1);
    assertThatThrownBy(() -> Llama2cWriter.write(smol, tmp.resolve("x.bin")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ropeTheta");
  }

  @Test
  void version1Fp32File_loadsLikeTheLegacyFile() throws Exception {
    ModelWeights m = Llama2cImporter.load(SharedModels.require("stories260K/stories260K.bin"));
    ModelConfig c = m.config();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ak42Header(1, c, true, 0));
    for (String kind : List.of("attention_norm", "ffn_norm")) {
      for (int l = 0; l < c.nLayers(); l++) {
        Llama2cWriter.writeFloats(out, m.layer(l, kind).data());
      }
    }
    Llama2cWriter.writeFloats(out, m.tensor("norm").data());
    Llama2cWriter.writeFloats(out, m.tensor("tok_embeddings").data());
    for (String kind : List.of("wq", "wk", "wv", "wo", "w1", "w2", "w3")) {
      for (int l = 0; l < c.nLayers(); l++) {
        Llama2cWriter.writeFloats(out, m.layer(l, kind).data());
      }
    }
    Path v1 = tmp.resolve("v1.bin");
    Files.write(v1, out.toByteArray());

    assertSameTensors(Llama2cImporter.load(v1), m);
  }

  // ---- bad files: each is a ModelFormatException naming the file and the problem ----

  @Test
  void truncatedFile_isRejectedWithSizes() throws Exception {
    Path bad = copyWithBytes("stories260K/stories260K.bin", 1_056_540 - 100);
    assertBad(bad, "truncated", "1056540", "1056440");
  }

  @Test
  void fileShorterThanHeader_isRejected() throws Exception {
    Path bad = copyWithBytes("stories260K/stories260K.bin", 10);
    assertBad(bad, "truncated", "n_layers", "offset 8");
    Path empty = tmp.resolve("empty.bin");
    Files.write(empty, new byte[0]);
    assertBad(empty, "truncated", "header");
  }

  @Test
  void trailingBytes_areRejected() throws Exception {
    Path bin = SharedModels.require("stories260K/stories260K.bin");
    Path bad = tmp.resolve("long.bin");
    byte[] bytes = Arrays.copyOf(Files.readAllBytes(bin), 1_056_540 + 8);
    Files.write(bad, bytes);
    assertBad(bad, "8 unexpected trailing bytes");
  }

  @Test
  void negativeOrAbsurdHeaderFields_areRejected() throws Exception {
    assertBad(patchInt("stories260K/stories260K.bin", 0, -64), "dim = -64");
    assertBad(patchInt("stories260K/stories260K.bin", 4, 0), "hidden_dim = 0");
    assertBad(patchInt("stories260K/stories260K.bin", 8, 1 << 30), "n_layers = 1073741824");
    assertBad(patchInt("stories260K/stories260K.bin", 20, Integer.MIN_VALUE), "vocab_size");
    assertBad(patchInt("stories260K/stories260K.bin", 24, 1 << 30), "seq_len");
    assertBad(patchInt("stories260K/stories260K.bin", 16, 3), "inconsistent header", "nKvHeads");
  }

  @Test
  void negativeVocab_meansAnUnsharedClassifier_soTheSharedFileIsTooShort() throws Exception {
    assertBad(patchInt("stories260K/stories260K.bin", 20, -512), "truncated");
  }

  @Test
  void textFile_isRejectedAsNotACheckpoint() throws Exception {
    Path txt = tmp.resolve("notes.bin");
    Files.writeString(txt, "this is not a model, just some text that is long enough");
    assertBad(txt, "outside 1..");
  }

  @Test
  void ak42WithUnknownVersion_isRejected() throws Exception {
    assertBad(
        patchInt("stories260K/stories260K-q8.bin", 4, 3), "unsupported llama2.c ak42 version 3");
  }

  @Test
  void q8WithBadGroupSize_isRejected() throws Exception {
    assertBad(patchIntUnaligned("stories260K/stories260K-q8.bin", 37, 0), "group_size 0");
    assertBad(
        patchIntUnaligned("stories260K/stories260K-q8.bin", 37, 7),
        "not a multiple of group_size 7");
    // Group size 16 divides every tensor but makes the expected size smaller than the file.
    assertBad(patchIntUnaligned("stories260K/stories260K-q8.bin", 37, 16), "trailing bytes");
  }

  @Test
  void q8Truncated_isRejected() throws Exception {
    assertBad(copyWithBytes("stories260K/stories260K-q8.bin", 392_064 - 1), "truncated", "392064");
    assertBad(
        copyWithBytes("stories260K/stories260K-q8.bin", 100), "truncated", "256-byte ak42 header");
  }

  @Test
  void q8BadSharedClassifierByte_isRejected() throws Exception {
    Path src = SharedModels.require("stories260K/stories260K-q8.bin");
    byte[] bytes = Files.readAllBytes(src);
    bytes[36] = 7;
    Path bad = tmp.resolve("shared7.bin");
    Files.write(bad, bytes);
    assertBad(bad, "shared_classifier byte is 7");
  }

  // ---- helpers ----

  static ModelConfig tinyWith(float theta, boolean bias) {
    ModelConfig t = SyntheticModels.config("tiny");
    return new ModelConfig(
        t.architecture(),
        t.dim(),
        t.hiddenDim(),
        t.nLayers(),
        t.nHeads(),
        t.nKvHeads(),
        t.vocabSize(),
        t.maxSeqLen(),
        theta,
        t.normEps(),
        false,
        t.tiedEmbeddings(),
        bias);
  }

  static void assertSameTensors(ModelWeights actual, ModelWeights expected) {
    assertThat(actual.tensors().keySet()).isEqualTo(expected.tensors().keySet());
    for (Map.Entry<String, FloatTensor> e : expected.tensors().entrySet()) {
      assertThat(actual.tensor(e.getKey()).shape()).as(e.getKey()).isEqualTo(e.getValue().shape());
      assertThat(actual.tensor(e.getKey()).data()).as(e.getKey()).isEqualTo(e.getValue().data());
    }
  }

  static float maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  private static byte[] ak42Header(int version, ModelConfig c, boolean shared, int groupSize) {
    ByteBuffer h = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(Llama2cImporter.MAGIC)
        .putInt(version)
        .putInt(c.dim())
        .putInt(c.hiddenDim())
        .putInt(c.nLayers())
        .putInt(c.nHeads())
        .putInt(c.nKvHeads())
        .putInt(c.vocabSize())
        .putInt(c.maxSeqLen())
        .put((byte) (shared ? 1 : 0))
        .putInt(groupSize);
    return h.array();
  }

  private void assertBad(Path file, String... fragments) {
    assertThatThrownBy(() -> Llama2cImporter.load(file))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(file.toString())
        .satisfies(
            e -> {
              for (String f : fragments) {
                assertThat(e.getMessage()).contains(f);
              }
            });
    // The generic entry point reports the same problem.
    assertThatThrownBy(() -> ModelImporter.load(file)).isInstanceOf(ModelFormatException.class);
  }

  private Path copyWithBytes(String model, int length) throws Exception {
    byte[] bytes = Files.readAllBytes(SharedModels.require(model));
    Path p = tmp.resolve("cut-" + length + ".bin");
    Files.write(p, Arrays.copyOf(bytes, length));
    return p;
  }

  private Path patchInt(String model, int offset, int value) throws Exception {
    return patchIntUnaligned(model, offset, value);
  }

  private Path patchIntUnaligned(String model, int offset, int value) throws Exception {
    byte[] bytes = Files.readAllBytes(SharedModels.require(model));
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
    Path p = tmp.resolve("patched-" + offset + "-" + value + ".bin");
    Files.write(p, bytes);
    return p;
  }
}
