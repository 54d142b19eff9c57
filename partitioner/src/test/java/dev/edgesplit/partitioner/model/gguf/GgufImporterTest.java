package dev.edgesplit.partitioner.model.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.partitioner.RandomModels;
import dev.edgesplit.partitioner.model.ExactBlocks;
import dev.edgesplit.partitioner.model.FloatTensor;
import dev.edgesplit.partitioner.model.HalfFloats;
import dev.edgesplit.partitioner.model.ModelFormatException;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.quant.QuantizedMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GgufImporterTest {

  @TempDir Path dir;

  private final ModelWeights random = RandomModels.tiny(32, true, false, 7);

  @ParameterizedTest
  @EnumSource(
      value = GgmlType.class,
      names = {"F32", "F16", "BF16"})
  void floatTypes_importAsTheValuesTheFileHolds(GgmlType type) throws Exception {
    Path file = GgufModels.writer(random, type).write(dir.resolve("m.gguf"));
    ModelWeights m = ModelImporter.load(file);
    assertThat(m.config().ropeInterleaved())
        .as("GGML's llama RoPE rotates adjacent pairs")
        .isTrue();
    assertThat(m.config().tiedEmbeddings()).isFalse();
    assertThat(m.config().dim()).isEqualTo(random.config().dim());
    assertThat(m.exactBlocks()).isEmpty();
    for (Map.Entry<String, FloatTensor> e : random.tensors().entrySet()) {
      float[] expected = e.getValue().data().clone();
      if (e.getValue().shape().length == 2) {
        for (int i = 0; i < expected.length; i++) {
          expected[i] =
              type == GgmlType.F16
                  ? HalfFloats.halfToFloat(HalfFloats.floatToHalf(expected[i]))
                  : type == GgmlType.BF16
                      ? HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(expected[i]))
                      : expected[i];
        }
      }
      assertThat(m.tensor(e.getKey()).data()).as(e.getKey()).containsExactly(expected);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = GgmlType.class,
      names = {"Q8_0", "Q4_0"})
  void q8AndQ4Blocks_areKeptExactly_andDequantizeToTheFilesValues(GgmlType type) throws Exception {
    Path file = GgufModels.writer(random, type).write(dir.resolve("m.gguf"));
    ModelWeights m = ModelImporter.load(file);
    FloatTensor wq = random.tensor("layers.0.wq");
    byte[] raw = GgufWriter.encode(wq.data(), type);
    // The file's values, decoded here from the GGUF spec: x = d * q (Q8_0) or d * (q - 8), low
    // nibbles first (Q4_0).
    float[] fileValues = new float[wq.data().length];
    ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    for (int b = 0; b < fileValues.length / 32; b++) {
      int base = b * type.blockBytes;
      float d = HalfFloats.halfToFloat(in.getShort(base));
      for (int j = 0; j < 32; j++) {
        int q =
            type == GgmlType.Q8_0
                ? raw[base + 2 + j]
                : (j < 16 ? raw[base + 2 + j] & 0xf : (raw[base + 2 + j - 16] & 0xff) >> 4) - 8;
        fileValues[b * 32 + j] = q * d;
      }
    }
    assertThat(m.tensor("layers.0.wq").data()).containsExactly(fileValues);
    ExactBlocks blocks = m.exactBlocks().get("layers.0.wq");
    assertThat(blocks.bits()).isEqualTo(type == GgmlType.Q8_0 ? 8 : 4);
    float[] viaMatMulNBits =
        new QuantizedMatrix(
                blocks.n(),
                blocks.k(),
                blocks.bits(),
                blocks.blockSize(),
                blocks.packed(),
                blocks.scales(),
                blocks.zeroPoints())
            .dequantize();
    assertThat(viaMatMulNBits)
        .as("MatMulNBits' reading of the converted blocks")
        .containsExactly(fileValues);
    assertThat(m.exactBlocks()).doesNotContainKey("layers.0.w2"); // 48 columns: stored F32
    assertThat(m.exactBlocks()).containsKeys("layers.2.w1", "output", "tok_embeddings");
  }

  @Test
  void qwen2_hasBiases_rotatesHalves_andTiesTheHeadWhenOutputIsAbsent() throws Exception {
    ModelWeights biased = RandomModels.tiny(32, false, true, 3);
    Path file =
        GgufModels.writer(without(biased, "output"), GgmlType.F32).write(dir.resolve("q.gguf"));
    ModelWeights m = ModelImporter.load(file);
    assertThat(m.config().architecture()).isEqualTo("qwen2");
    assertThat(m.config().attentionBias()).isTrue();
    assertThat(m.config().ropeInterleaved()).as("GGML's NeoX mode rotates halves").isFalse();
    assertThat(m.config().tiedEmbeddings()).isTrue();
    assertThat(m.tensor("layers.1.bk").data()).containsExactly(biased.tensor("layers.1.bk").data());
  }

  /** {@code m} without one tensor (the writer then omits it). */
  private static ModelWeights without(ModelWeights m, String name) {
    Map<String, FloatTensor> t = new LinkedHashMap<>(m.tensors());
    t.remove(name);
    return new ModelWeights(m.config(), t, m.tokenizer(), m.fingerprint());
  }

  @Test
  void kQuantBlocks_decodeAsGgmlDefinesThem() {
    // Q4_K: d = 1, dmin = 0.5; sub-block j has scale j+1 and min j (6-bit packing of
    // get_scale_min_k4).
    byte[] q4k = new byte[144];
    ByteBuffer b = ByteBuffer.wrap(q4k).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort(0, HalfFloats.floatToHalf(1f)).putShort(2, HalfFloats.floatToHalf(0.5f));
    int[] sc = {1, 2, 3, 4, 5, 6, 7, 8};
    int[] mn = {0, 1, 2, 3, 4, 5, 6, 7};
    for (int j = 0; j < 4; j++) {
      q4k[4 + j] = (byte) sc[j];
      q4k[4 + j + 4] = (byte) mn[j];
    }
    for (int j = 4; j < 8; j++) {
      q4k[4 + j + 4] =
          (byte) ((sc[j] & 0xf) | (mn[j] & 0xf) << 4); // high bits of these small values are 0
    }
    for (int i = 0; i < 128; i++) {
      q4k[16 + i] = (byte) ((i % 16) | ((15 - i % 16) << 4));
    }
    float[] y = GgufBlocks.dequantize(GgmlType.Q4_K, q4k, 256);
    for (int chunk = 0; chunk < 4; chunk++) {
      for (int l = 0; l < 32; l++) {
        int i = chunk * 32 + l;
        assertThat(y[chunk * 64 + l]).isEqualTo(sc[2 * chunk] * (i % 16) - 0.5f * mn[2 * chunk]);
        assertThat(y[chunk * 64 + 32 + l])
            .isEqualTo(sc[2 * chunk + 1] * (15 - i % 16) - 0.5f * mn[2 * chunk + 1]);
      }
    }
    // Q6_K: every 6-bit code 33 (value 1), scales 1..16, d = 0.25: y = 0.25 * scale(sub-block) * 1.
    byte[] q6k = new byte[210];
    Arrays.fill(q6k, 0, 128, (byte) 0x11);
    Arrays.fill(q6k, 128, 192, (byte) 0xAA); // high pairs 2 -> code 32 + 1 = 33
    for (int i = 0; i < 16; i++) {
      q6k[192 + i] = (byte) (i + 1);
    }
    ByteBuffer.wrap(q6k)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putShort(208, HalfFloats.floatToHalf(0.25f));
    float[] y6 = GgufBlocks.dequantize(GgmlType.Q6_K, q6k, 256);
    for (int i = 0; i < 256; i++) {
      assertThat(y6[i]).as("value %d", i).isEqualTo(0.25f * (i / 16 + 1));
    }
  }

  @Test
  void kQuantTensor_isDequantized_withANotice() throws Exception {
    ModelWeights small =
        RandomModels.tiny(64, true, false, 5); // d = 256: rows fit 256-value super-blocks
    GgufWriter w =
        GgufModels.writer(without(small, "output"), GgmlType.F32)
            .rawTensor("output.weight", new long[] {256, 97}, GgmlType.Q6_K.id, new byte[97 * 210]);
    ModelWeights m = ModelImporter.load(w.write(dir.resolve("k.gguf")));
    assertThat(m.notices()).singleElement().asString().contains("Q6_K=1").contains("re-quantize");
    for (float v : m.tensor("output").data()) {
      assertThat(v == 0f).as("zero blocks decode to (signed) zeros").isTrue();
    }
    assertThat(m.exactBlocks()).doesNotContainKey("output");
  }

  // --- malformed files: a ModelFormatException naming the file and the field ---

  @Test
  void badMagic_isRefused() throws Exception {
    byte[] bytes = GgufModels.writer(random, GgmlType.F32).bytes();
    bytes[0] = 'X';
    assertRefused(bytes, "bad magic");
  }

  @Test
  void version1_isRefused() throws Exception {
    assertRefused(GgufModels.writer(random, GgmlType.F32).version(1).bytes(), "version 1");
  }

  @Test
  void version2_isRead() throws Exception {
    Path file = GgufModels.writer(random, GgmlType.F32).version(2).write(dir.resolve("v2.gguf"));
    assertThat(ModelImporter.load(file).config().nLayers()).isEqualTo(3);
  }

  @Test
  void everyTruncation_isRefused() throws Exception {
    byte[] bytes = GgufModels.writer(RandomModels.tiny(16, true, false, 1), GgmlType.Q8_0).bytes();
    Path file = dir.resolve("cut.gguf");
    for (int cut = 0; cut < bytes.length; cut += Math.max(1, cut / 16)) {
      Files.write(file, Arrays.copyOf(bytes, cut));
      int at = cut;
      assertThatThrownBy(() -> ModelImporter.load(file))
          .as("cut at %d", at)
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("cut.gguf");
    }
  }

  @Test
  void unknownTensorType_isRefused() throws Exception {
    GgufWriter w =
        GgufModels.writer(random, GgmlType.F32)
            .rawTensor("blk.0.extra.weight", new long[] {32}, 99, new byte[32]);
    assertRefused(w.bytes(), "tensor 'blk.0.extra.weight' has GGML type 99");
  }

  @Test
  void unknownMetadataType_isRefused() throws Exception {
    assertRefused(
        GgufModels.writer(random, GgmlType.F32).raw("general.weird", 42, 0L).bytes(),
        "metadata 'general.weird' has unknown value type 42");
  }

  @Test
  void tensorOutOfBounds_isRefused() throws Exception {
    GgufWriter w = GgufModels.writer(random, GgmlType.F32);
    byte[] bytes = w.bytes();
    // Shorten the file by one alignment unit: the last tensor now ends past the end.
    assertRefused(Arrays.copyOf(bytes, bytes.length - 32), "lies outside the file");
  }

  @Test
  void shapeMismatch_isRefused() throws Exception {
    GgufWriter w = GgufModels.writer(random, GgmlType.F32).u32("llama.feed_forward_length", 64);
    assertRefused(
        w.bytes(), "tensor 'blk.0.ffn_gate.weight' has shape [48, 128], expected [64, 128]");
  }

  @Test
  void missingMetadata_isNamed() throws Exception {
    GgufWriter w = GgufModels.writer(random, GgmlType.F32);
    w.raw("llama.block_count", GgufFile.STRING, "three");
    assertRefused(w.bytes(), "metadata 'llama.block_count' must be an integer");
  }

  @Test
  void badAlignment_isRefused() throws Exception {
    assertRefused(
        GgufModels.writer(random, GgmlType.F32).alignment(32).u32("general.alignment", 48).bytes(),
        "general.alignment");
  }

  @Test
  void unsupportedArchitecture_isNamed() throws Exception {
    assertRefused(
        GgufModels.writer(random, GgmlType.F32).string("general.architecture", "gemma3").bytes(),
        "'general.architecture' = 'gemma3'");
  }

  private void assertRefused(byte[] bytes, String field) throws Exception {
    Path file = Files.write(dir.resolve("bad.gguf"), bytes);
    assertThatThrownBy(() -> ModelImporter.load(file))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("bad.gguf")
        .hasMessageContaining(field);
  }
}
