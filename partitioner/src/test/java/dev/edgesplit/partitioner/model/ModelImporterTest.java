package dev.edgesplit.partitioner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.testkit.SharedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelImporterTest {

  @TempDir Path tmp;

  @Test
  void binFile_isLlama2c() {
    ModelWeights m = ModelImporter.load(SharedModels.require("stories260K/stories260K.bin"));
    assertThat(m.config().architecture()).isEqualTo("llama2c");
  }

  @Test
  void directoryWithOneCheckpoint_isLlama2c_andFindsItsTokenizer() throws Exception {
    Path dir = tmp.resolve("one");
    Files.createDirectories(dir);
    Files.copy(SharedModels.require("stories260K/stories260K.bin"), dir.resolve("model.bin"));
    Files.copy(SharedModels.require("stories260K/tok512.bin"), dir.resolve("tok512.bin"));

    ModelWeights m = ModelImporter.load(dir);

    assertThat(m.config().dim()).isEqualTo(64);
    assertThat(m.tokenizer()).contains(dir.resolve("tok512.bin"));
  }

  @Test
  void tokenizerBin_isPreferredOverOtherTokenizers() throws Exception {
    Path dir = tmp.resolve("pref");
    Files.createDirectories(dir);
    Files.copy(SharedModels.require("stories260K/stories260K.bin"), dir.resolve("m.bin"));
    Files.copy(SharedModels.require("stories260K/tok512.bin"), dir.resolve("tok4096.bin"));
    Files.copy(SharedModels.require("stories260K/tok512.bin"), dir.resolve("tokenizer.bin"));
    assertThat(ModelImporter.load(dir).tokenizer()).contains(dir.resolve("tokenizer.bin"));
  }

  @Test
  void directoryWithTwoCheckpoints_meansTheOneNamedLikeIt() throws Exception {
    Path dir = SharedModels.require("stories260K");
    assertThat(ModelImporter.load(dir).fingerprint())
        .isEqualTo(Llama2cImporter.load(dir.resolve("stories260K.bin")).fingerprint());
  }

  @Test
  void directoryWithTwoCheckpoints_noneNamedLikeIt_isAmbiguous() throws Exception {
    Path dir = tmp.resolve("two");
    Files.createDirectories(dir);
    Path models = SharedModels.require("stories260K");
    Files.copy(models.resolve("stories260K.bin"), dir.resolve("a.bin"));
    Files.copy(models.resolve("stories260K-q8.bin"), dir.resolve("b.bin"));
    assertThatThrownBy(() -> ModelImporter.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("several llama2.c checkpoints")
        .hasMessageContaining("a.bin")
        .hasMessageContaining("b.bin");
  }

  @Test
  void directoryWithConfigJson_isHuggingFace() {
    Path dir = tmp.resolve("hf");
    SafetensorsWriter.write(
        SyntheticModels.generate("tiny", 2), dir, SafetensorsDType.BF16, Long.MAX_VALUE);
    assertThat(ModelImporter.load(dir).config().architecture()).isEqualTo("llama");
  }

  @Test
  void unknownOrMissingPaths_giveClearErrors() throws Exception {
    Path empty = tmp.resolve("empty");
    Files.createDirectories(empty);
    assertThatThrownBy(() -> ModelImporter.load(empty))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(empty.toString())
        .hasMessageContaining("no config.json");
    Path onnx = tmp.resolve("model.onnx");
    Files.writeString(onnx, "ONNX");
    assertThatThrownBy(() -> ModelImporter.load(onnx))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("unknown model format");
    Path gguf = tmp.resolve("model.gguf");
    Files.writeString(gguf, "GGUF");
    assertThatThrownBy(() -> ModelImporter.load(gguf))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model.gguf: truncated: version");
    assertThatThrownBy(() -> ModelImporter.load(tmp.resolve("nope.bin")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("no such file");
    Path hf = tmp.resolve("hf2");
    SafetensorsWriter.write(
        SyntheticModels.generate("tiny", 2), hf, SafetensorsDType.F32, Long.MAX_VALUE);
    assertThatThrownBy(() -> ModelImporter.load(hf.resolve("model.safetensors")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("pass the Hugging Face model directory");
  }
}
