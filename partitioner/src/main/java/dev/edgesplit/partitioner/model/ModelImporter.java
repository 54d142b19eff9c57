package dev.edgesplit.partitioner.model;

import dev.edgesplit.partitioner.model.gguf.GgufImporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Imports a model from a local path, whatever its format:
 *
 * <ul>
 *   <li>a directory with {@code config.json}: Hugging Face safetensors ({@link
 *       SafetensorsImporter});
 *   <li>a {@code .bin} file, or a directory holding exactly one llama2.c checkpoint ({@code *.bin}
 *       other than tokenizer files): llama2.c ({@link Llama2cImporter});
 *   <li>a {@code .gguf} file: GGUF ({@link GgufImporter}).
 * </ul>
 *
 * Stateless and thread-safe.
 */
public final class ModelImporter {

  private ModelImporter() {}

  /**
   * Detects the format of {@code path} and imports it.
   *
   * @throws ModelFormatException when the path is absent, its format is unknown or ambiguous, or
   *     the files are bad
   */
  public static ModelWeights load(Path path) {
    if (Files.isDirectory(path)) {
      if (Files.isRegularFile(path.resolve(SafetensorsImporter.CONFIG))) {
        return SafetensorsImporter.load(path);
      }
      List<Path> checkpoints = llama2cCheckpoints(path);
      if (checkpoints.size() == 1) {
        return Llama2cImporter.load(checkpoints.get(0));
      }
      // A folder named like one of its checkpoints (stories260K/stories260K.bin) means that one.
      Path named = path.resolve(path.getFileName() + ".bin");
      if (checkpoints.contains(named)) {
        return Llama2cImporter.load(named);
      }
      if (checkpoints.isEmpty()) {
        throw new ModelFormatException(
            path + ": no config.json (Hugging Face) and no llama2.c .bin checkpoint");
      }
      throw new ModelFormatException(
          path
              + ": several llama2.c checkpoints "
              + checkpoints.stream()
                  .map(p -> p.getFileName().toString())
                  .collect(Collectors.toList())
              + "; pass one file");
    }
    if (!Files.exists(path)) {
      throw new ModelFormatException(path + ": no such file or directory");
    }
    String name = path.getFileName().toString();
    if (name.endsWith(".bin")) {
      return Llama2cImporter.load(path);
    }
    if (GgufImporter.isGguf(path)) {
      return GgufImporter.load(path);
    }
    if (name.endsWith(".safetensors") || name.equals(SafetensorsImporter.CONFIG)) {
      throw new ModelFormatException(
          path + ": pass the Hugging Face model directory, not one of its files");
    }
    throw new ModelFormatException(
        path
            + ": unknown model format (expected a llama2.c .bin file, a .gguf"
            + " file or a Hugging Face directory with config.json)");
  }

  private static List<Path> llama2cCheckpoints(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(".bin"))
          .filter(p -> !Llama2cImporter.isTokenizerName(p.getFileName().toString()))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": cannot list", e);
    }
  }
}
