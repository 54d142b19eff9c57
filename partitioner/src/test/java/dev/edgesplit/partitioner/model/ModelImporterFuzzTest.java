package dev.edgesplit.partitioner.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Truncated, corrupted and made-up model files through {@link ModelImporter} (llama2.c,
 * safetensors, GGUF): the only failure allowed is {@link ModelFormatException}. An
 * ArrayIndexOutOfBounds, NegativeArraySize, OutOfMemoryError, NumberFormatException or a hang found
 * here is a bug (Jazzer reports uncaught throwables and timeouts). `mvn test` replays the seeds in
 * {@code ModelImporterFuzzTestInputs} (tiny valid models and damaged copies); FUZZING.md says how
 * to fuzz for real.
 */
class ModelImporterFuzzTest {

  private static Path work;

  private static synchronized Path dir(String name) throws IOException {
    if (work == null) {
      work = Files.createTempDirectory("edgesplit-importer-fuzz");
      work.toFile().deleteOnExit();
    }
    Path d = work.resolve(name);
    Files.createDirectories(d);
    return d;
  }

  @FuzzTest
  void llama2cCheckpoint_importsOrFailsWithModelFormatException(byte[] checkpoint)
      throws IOException {
    Path file = dir("llama2c").resolve("model.bin");
    Files.write(file, checkpoint);
    importOrFormatError(file);
  }

  /** Input: a 2-byte big-endian length, that many bytes of config.json, then model.safetensors. */
  @FuzzTest
  void safetensorsDirectory_importsOrFailsWithModelFormatException(byte[] input)
      throws IOException {
    Path d = dir("hf");
    int configLength =
        input.length < 2
            ? 0
            : Math.min(((input[0] & 0xff) << 8) | (input[1] & 0xff), input.length - 2);
    int split = Math.min(input.length, 2 + configLength);
    Files.write(
        d.resolve("config.json"), Arrays.copyOfRange(input, Math.min(2, input.length), split));
    Files.write(d.resolve("model.safetensors"), Arrays.copyOfRange(input, split, input.length));
    importOrFormatError(d);
  }

  /** A GGUF file: header, metadata (tokenizer included in one seed), tensor table, blocks. */
  @FuzzTest
  void ggufFile_importsOrFailsWithModelFormatException(byte[] gguf) throws IOException {
    Path file = dir("gguf").resolve("model.gguf");
    Files.write(file, gguf);
    importOrFormatError(file);
  }

  private static void importOrFormatError(Path path) {
    ModelWeights model;
    try {
      model = ModelImporter.load(path);
    } catch (ModelFormatException e) {
      assertThat(e.getMessage())
          .as("the message names the file")
          .contains(path.getFileName().toString());
      return;
    } catch (UncheckedIOException e) {
      throw new AssertionError(
          "an I/O failure on a local temp file is a bug, not a format error", e);
    }
    assertThat(model.config().dim()).isPositive();
    assertThat(model.fingerprint()).isNotEmpty();
  }
}
