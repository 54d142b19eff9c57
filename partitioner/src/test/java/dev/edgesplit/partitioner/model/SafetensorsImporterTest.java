package dev.edgesplit.partitioner.model;

import static dev.edgesplit.partitioner.model.Llama2cImporterTest.assertSameTensors;
import static dev.edgesplit.partitioner.model.Llama2cImporterTest.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.partitioner.reference.ReferenceForward;
import dev.edgesplit.testkit.SharedModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsImporterTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void f32SingleFile_roundTripsExactly() throws IOException {
    ModelWeights m = SyntheticModels.generate("tiny", 11);
    Path dir = tmp.resolve("hf");

    SafetensorsWriter.write(m, dir, SafetensorsDType.F32, Long.MAX_VALUE);
    ModelWeights back = SafetensorsImporter.load(dir);

    assertThat(Files.exists(dir.resolve("model.safetensors"))).isTrue();
    assertThat(withArchitecture(back.config(), m.config().architecture())).isEqualTo(m.config());
    assertThat(back.config().architecture()).isEqualTo("llama");
    assertSameTensors(back, m);
    assertThat(back.tokenizer()).isEmpty();
    assertThat(back.fingerprint()).hasSize(64).isNotEqualTo(m.fingerprint());
  }

  @Test
  void shardedBf16_loadsWithinBf16Precision() throws IOException {
    ModelWeights m = SyntheticModels.generate("tiny", 12);
    Path dir = tmp.resolve("bf16");

    SafetensorsWriter.write(m, dir, SafetensorsDType.BF16, 40_000);
    ModelWeights back = ModelImporter.load(dir);

    assertThat(shards(dir)).hasSizeGreaterThan(3);
    assertThat(Files.exists(dir.resolve("model.safetensors.index.json"))).isTrue();
    assertWithinRelative(back, m, 1.0 / 256);
  }

  @Test
  void shardedF16_loadsWithinF16Precision() throws IOException {
    ModelWeights m = SyntheticModels.generate("tiny", 13);
    Path dir = tmp.resolve("f16");

    SafetensorsWriter.write(m, dir, SafetensorsDType.F16, 100_000);
    ModelWeights back = SafetensorsImporter.load(dir);

    assertThat(shards(dir)).hasSizeGreaterThan(1);
    assertWithinRelative(back, m, 1.0 / 2048);
    // Not bit-equal: the test would pass trivially if nothing were converted.
    assertThat(back.layer(0, "wq").data()).isNotEqualTo(m.layer(0, "wq").data());
  }

  @Test
  void qwen2Biases_areImported() throws IOException {
    ModelWeights m = SyntheticModels.generate(Llama2cImporterTest.tinyWith(1_000_000f, true), 14);
    Path dir = tmp.resolve("qwen");
    SafetensorsWriter.write(m, dir, SafetensorsDType.F32, 1 << 20);
    assertThat(Files.readString(dir.resolve("config.json"))).contains("\"qwen2\"");

    ModelWeights back = SafetensorsImporter.load(dir);

    assertThat(back.config().attentionBias()).isTrue();
    assertThat(back.config().architecture()).isEqualTo("qwen2");
    assertThat(back.config().ropeTheta()).isEqualTo(1_000_000f);
    assertThat(back.layer(3, "bk").data()).isEqualTo(m.layer(3, "bk").data());
    assertSameTensors(back, m);
  }

  @Test
  void qwen2WithoutBiases_isAMissingTensor() throws IOException {
    Path dir = tmp.resolve("nobias");
    SafetensorsWriter.write(
        SyntheticModels.generate("tiny", 1), dir, SafetensorsDType.F32, Long.MAX_VALUE);
    editConfig(dir, c -> c.put("model_type", "qwen2"));
    assertBad(dir, dir.toString(), "missing tensor 'model.layers.0.self_attn.q_proj.bias'");
  }

  @Test
  void llama2cModel_writtenAsHf_isPermutedToRotateHalf_andComputesTheSame() throws IOException {
    ModelWeights m = Llama2cImporter.load(SharedModels.require("stories260K/stories260K.bin"));
    Path dir = tmp.resolve("stories-hf");
    SafetensorsWriter.write(m, dir, SafetensorsDType.F32, Long.MAX_VALUE);

    ModelWeights hf = SafetensorsImporter.load(dir);

    assertThat(hf.config().ropeInterleaved()).isFalse();
    assertThat(hf.config().tiedEmbeddings()).isTrue();
    assertThat(hf.layer(2, "wq").data()).isNotEqualTo(m.layer(2, "wq").data());
    assertThat(RopeLayout.halvesToInterleaved(hf.layer(2, "wq"), 8).data())
        .isEqualTo(m.layer(2, "wq").data());
    ReferenceForward a = new ReferenceForward(m, 8);
    ReferenceForward b = new ReferenceForward(hf, 8);
    int[] tokens = {1, 403, 407, 261, 378};
    for (int pos = 0; pos < tokens.length; pos++) {
      assertThat(maxAbsDiff(a.step(tokens[pos]), b.step(tokens[pos]))).isLessThan(1e-4f);
    }
  }

  @Test
  void absentLmHead_meansTied_andPresentLmHeadIsUsedWhenUntied() throws IOException {
    ModelWeights untied = SyntheticModels.generate("tiny", 3);
    Path dir = tmp.resolve("untied");
    SafetensorsWriter.write(untied, dir, SafetensorsDType.F32, Long.MAX_VALUE);
    assertThat(SafetensorsImporter.load(dir).config().tiedEmbeddings()).isFalse();

    ModelWeights tied = SyntheticModels.generate(tiedTiny(), 3);
    Path dir2 = tmp.resolve("tied");
    SafetensorsWriter.write(tied, dir2, SafetensorsDType.F32, Long.MAX_VALUE);
    editConfig(dir2, c -> c.remove("tie_word_embeddings"));
    ModelWeights back = SafetensorsImporter.load(dir2);
    assertThat(back.config().tiedEmbeddings()).isTrue();
    assertThat(back.tensors()).doesNotContainKey("output");
  }

  @Test
  void tokenizerJson_isPickedUp() throws IOException {
    Path dir = tmp.resolve("tok");
    SafetensorsWriter.write(
        SyntheticModels.generate("tiny", 1), dir, SafetensorsDType.F32, Long.MAX_VALUE);
    Files.writeString(dir.resolve("tokenizer.json"), "{}");
    assertThat(SafetensorsImporter.load(dir).tokenizer()).contains(dir.resolve("tokenizer.json"));
  }

  // ---- bad config.json ----

  @Test
  void configErrors_nameTheKey() throws IOException {
    Path dir = tinyDir("cfg");
    Path config = dir.resolve("config.json");
    editConfig(dir, c -> c.remove("hidden_size"));
    assertBad(dir, config.toString(), "missing key 'hidden_size'");
    editConfig(dir, c -> c.put("hidden_size", -64));
    assertBad(dir, "'hidden_size' = -64");
    editConfig(dir, c -> c.put("hidden_size", "64"));
    assertBad(dir, "'hidden_size' must be an integer");
    editConfig(dir, c -> c.put("hidden_size", 64).put("head_dim", 32));
    assertBad(dir, "head_dim 32 differs");
    editConfig(dir, c -> c.put("head_dim", 16).put("model_type", "gpt2"));
    assertBad(dir, "unsupported model_type 'gpt2'");
    editConfig(
        dir,
        c -> c.put("model_type", "llama").putObject("rope_scaling").put("rope_type", "llama3"));
    assertBad(dir, "rope_scaling");
    editConfig(dir, c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4));
    assertBad(dir, "rope_scaling type 'yarn' is not supported");
    editConfig(
        dir,
        c ->
            c.putObject("rope_scaling")
                .put("rope_type", "llama3")
                .put("factor", 32)
                .put("low_freq_factor", 1)
                .put("high_freq_factor", 4)
                .put("original_max_position_embeddings", 8192));
    assertThat(SafetensorsImporter.load(dir).config().ropeScaling())
        .isEqualTo(new dev.edgesplit.engine.model.RopeScaling("llama3", 32, 1, 4, 8192));
    editConfig(dir, c -> c.putNull("rope_scaling").put("num_key_value_heads", 3));
    assertBad(dir, "inconsistent config");
    editConfig(dir, c -> c.put("num_key_value_heads", 2));
    assertThat(SafetensorsImporter.load(dir).config().nKvHeads()).isEqualTo(2);
    Files.writeString(config, "{ not json");
    assertBad(dir, config.toString(), "not valid JSON");
  }

  // ---- bad safetensors ----

  @Test
  void missingWeights_andMissingShard_areRejected() throws IOException {
    Path dir = tinyDir("none");
    Files.delete(dir.resolve("model.safetensors"));
    assertBad(dir, "neither model.safetensors nor model.safetensors.index.json");

    Path sharded = tmp.resolve("sharded");
    SafetensorsWriter.write(
        SyntheticModels.generate("tiny", 1), sharded, SafetensorsDType.BF16, 50_000);
    Path second = shards(sharded)[1];
    Files.delete(second);
    assertBad(sharded, "model.safetensors.index.json", "missing shard " + second.getFileName());
  }

  @Test
  void indexPointingAtTheWrongShard_isAMissingTensor() throws IOException {
    Path dir = tmp.resolve("wrongshard");
    SafetensorsWriter.write(
        SyntheticModels.generate("tiny", 1), dir, SafetensorsDType.BF16, 50_000);
    Path index = dir.resolve("model.safetensors.index.json");
    ObjectNode root = (ObjectNode) JSON.readTree(index.toFile());
    String first = shards(dir)[0].getFileName().toString();
    ((ObjectNode) root.get("weight_map")).put("model.norm.weight", first);
    Files.writeString(index, JSON.writeValueAsString(root));
    assertBad(dir, first, "missing tensor 'model.norm.weight'");
  }

  @Test
  void missingTensor_andWrongShape_areRejected() throws IOException {
    ModelWeights m = SyntheticModels.generate("tiny", 1);
    Map<String, float[]> raw = hfTensors(m);
    raw.remove("model.layers.2.mlp.up_proj.weight");
    Path dir = rawDir("missing", raw, Map.of(), m.config());
    assertBad(dir, "missing tensor 'model.layers.2.mlp.up_proj.weight'", "layers.2.w3");

    Map<String, float[]> raw2 = hfTensors(m);
    Path dir2 = rawDir("shape", raw2, Map.of("model.norm.weight", new long[] {8, 8}), m.config());
    assertBad(
        dir2,
        dir2.resolve("model.safetensors").toString(),
        "'model.norm.weight' has shape [8, 8]",
        "expected [64]");
  }

  @Test
  void headerProblems_areRejected() throws IOException {
    Path dir = tinyDir("hdr");
    Path file = dir.resolve("model.safetensors");
    byte[] good = Files.readAllBytes(file);

    Files.write(file, Arrays.copyOf(good, 5));
    assertBad(dir, file.toString(), "truncated", "header length");

    byte[] huge = good.clone();
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
    Files.write(file, huge);
    assertBad(dir, "header length 1099511627776 is too large");

    byte[] negative = good.clone();
    ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
    Files.write(file, negative);
    assertBad(dir, "too large");

    byte[] longerThanFile = good.clone();
    ByteBuffer.wrap(longerThanFile).order(ByteOrder.LITTLE_ENDIAN).putLong(0, good.length);
    Files.write(file, longerThanFile);
    assertBad(dir, "truncated", "JSON header");

    byte[] garbage = good.clone();
    garbage[8] = 'x';
    Files.write(file, garbage);
    assertBad(dir, "header is not valid JSON");

    Files.write(file, Arrays.copyOf(good, good.length - 4));
    assertBad(dir, "lie outside the data section");
  }

  @Test
  void dtypeProblems_areRejected() throws IOException {
    ModelWeights m = SyntheticModels.generate("tiny", 1);
    Path dir = rawDirWithDtype("i64", m, "model.norm.weight", "I64", 8);
    assertBad(dir, "'model.norm.weight' has unsupported dtype I64");
    Path dir2 = rawDirWithDtype("mismatch", m, "model.norm.weight", "F16", 4);
    assertBad(
        dir2,
        "'model.norm.weight' has shape [64] of F16 (128 bytes) but data_offsets span 256 bytes");
  }

  @Test
  void offsetsOutsideTheFile_areRejected() throws IOException {
    Path dir = tinyDir("off");
    Path file = dir.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    ObjectNode root = (ObjectNode) JSON.readTree(header);
    ((ObjectNode) root.get("model.norm.weight")).putArray("data_offsets").add(10).add(5);
    Files.write(
        file,
        rawFile(
            JSON.writeValueAsString(root), Arrays.copyOfRange(bytes, 8 + (int) n, bytes.length)));
    assertBad(dir, "data_offsets [10, 5] of tensor 'model.norm.weight' lie outside");
  }

  // ---- helpers ----

  private static ModelConfig tiedTiny() {
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
        t.ropeTheta(),
        t.normEps(),
        false,
        true,
        false);
  }

  private static ModelConfig withArchitecture(ModelConfig c, String arch) {
    return new ModelConfig(
        arch,
        c.dim(),
        c.hiddenDim(),
        c.nLayers(),
        c.nHeads(),
        c.nKvHeads(),
        c.vocabSize(),
        c.maxSeqLen(),
        c.ropeTheta(),
        c.normEps(),
        c.ropeInterleaved(),
        c.tiedEmbeddings(),
        c.attentionBias());
  }

  private Path tinyDir(String name) {
    Path dir = tmp.resolve(name);
    SafetensorsWriter.write(
        SyntheticModels.generate("tiny", 1), dir, SafetensorsDType.F32, Long.MAX_VALUE);
    return dir;
  }

  private static Path[] shards(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(
              p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors"))
          .sorted()
          .toArray(Path[]::new);
    }
  }

  private static void assertWithinRelative(ModelWeights back, ModelWeights m, double rel) {
    assertThat(back.tensors().keySet()).isEqualTo(m.tensors().keySet());
    for (Map.Entry<String, FloatTensor> e : m.tensors().entrySet()) {
      float[] want = e.getValue().data();
      float[] got = back.tensor(e.getKey()).data();
      assertThat(got).hasSameSizeAs(want);
      for (int i = 0; i < want.length; i++) {
        // Relative to the value, with an absolute floor for f16's subnormal range.
        double tol = Math.max(Math.abs(want[i]) * rel, 1e-7);
        if (Math.abs(got[i] - want[i]) > tol) {
          throw new AssertionError(e.getKey() + "[" + i + "]: " + got[i] + " vs " + want[i]);
        }
      }
    }
  }

  private static void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit)
      throws IOException {
    Path config = dir.resolve("config.json");
    ObjectNode root = (ObjectNode) JSON.readTree(config.toFile());
    edit.accept(root);
    Files.writeString(config, JSON.writeValueAsString(root));
  }

  private static void assertBad(Path dir, String... fragments) {
    assertThatThrownBy(() -> SafetensorsImporter.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .satisfies(
            e -> {
              assertThat(e.getMessage()).contains(dir.toString());
              for (String f : fragments) {
                assertThat(e.getMessage()).contains(f);
              }
            });
  }

  private static Map<String, float[]> hfTensors(ModelWeights m) {
    return m.tensors().entrySet().stream()
        .collect(
            Collectors.toMap(
                e -> HfNames.toHf(e.getKey()),
                e -> e.getValue().data(),
                (a, b) -> a,
                java.util.LinkedHashMap::new));
  }

  /** A single-file F32 model from raw tensors; shapes are the canonical ones unless overridden. */
  private Path rawDir(
      String name,
      Map<String, float[]> tensors,
      Map<String, long[]> shapeOverrides,
      ModelConfig config)
      throws IOException {
    Path dir = tmp.resolve(name);
    SafetensorsWriter.write(
        SyntheticModels.generate(config, 0), dir, SafetensorsDType.F32, Long.MAX_VALUE);
    Map<String, int[]> canonical = CanonicalLayout.shapes(config);
    ObjectNode header = JSON.createObjectNode();
    ByteBuffer data =
        ByteBuffer.allocate(tensors.values().stream().mapToInt(a -> a.length * 4).sum())
            .order(ByteOrder.LITTLE_ENDIAN);
    for (Map.Entry<String, float[]> e : tensors.entrySet()) {
      String canon =
          canonical.keySet().stream()
              .filter(c -> HfNames.toHf(c).equals(e.getKey()))
              .findFirst()
              .orElseThrow();
      ObjectNode entry = header.putObject(e.getKey()).put("dtype", "F32");
      var shape = entry.putArray("shape");
      long[] override = shapeOverrides.get(e.getKey());
      if (override != null) {
        Arrays.stream(override).forEach(shape::add);
      } else {
        Arrays.stream(canonical.get(canon)).forEach(shape::add);
      }
      entry
          .putArray("data_offsets")
          .add(data.position())
          .add(data.position() + 4L * e.getValue().length);
      data.asFloatBuffer().put(e.getValue());
      data.position(data.position() + 4 * e.getValue().length);
    }
    Files.write(
        dir.resolve("model.safetensors"), rawFile(JSON.writeValueAsString(header), data.array()));
    return dir;
  }

  private Path rawDirWithDtype(
      String name, ModelWeights m, String tensor, String dtype, int bytesPerValue)
      throws IOException {
    Path dir = rawDir(name, hfTensors(m), Map.of(), m.config());
    Path file = dir.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    ObjectNode root =
        (ObjectNode) JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
    ObjectNode entry = (ObjectNode) root.get(tensor);
    long begin = entry.get("data_offsets").get(0).asLong();
    entry.put("dtype", dtype);
    // The span stays 64 floats (256 bytes); for I64 that matches 32 values.
    if (bytesPerValue == 8) {
      entry.putArray("shape").add(32);
    }
    entry.putArray("data_offsets").add(begin).add(begin + 256);
    Files.write(
        file,
        rawFile(
            JSON.writeValueAsString(root), Arrays.copyOfRange(bytes, 8 + (int) n, bytes.length)));
    return dir;
  }

  private static byte[] rawFile(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.array();
  }
}
