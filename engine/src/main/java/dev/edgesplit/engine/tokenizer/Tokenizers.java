package dev.edgesplit.engine.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the right {@link Tokenizer} for a file or a model folder. */
public final class Tokenizers {

  private Tokenizers() {}

  /**
   * Loads a tokenizer: a Hugging Face {@code tokenizer.json} (a .json file, or a file of another
   * name whose content starts with '{') or a llama2.c {@code tokenizer.bin}; a folder is searched
   * for {@code tokenizer.json}, then {@code tokenizer.bin}, then a single {@code tok*.bin}.
   */
  public static Tokenizer load(Path path) {
    return load(path, -1);
  }

  /**
   * As {@link #load(Path)}, for a model with {@code modelVocabSize} embedding rows (-1 if unknown):
   * a llama2.c file is read for exactly that many tokens, and a tokenizer with ids beyond the
   * model's rows is rejected.
   */
  public static Tokenizer load(Path path, int modelVocabSize) {
    Path file = Files.isDirectory(path) ? findIn(path) : path;
    if (!Files.isRegularFile(file)) {
      throw new TokenizerException("tokenizer file " + file + " does not exist");
    }
    Tokenizer tokenizer;
    if (isJson(file)) {
      tokenizer = HfTokenizer.load(file);
    } else {
      tokenizer =
          modelVocabSize > 0
              ? Llama2cTokenizer.load(file, modelVocabSize)
              : Llama2cTokenizer.load(file);
    }
    if (modelVocabSize > 0 && tokenizer.vocabSize() > modelVocabSize) {
      throw new TokenizerException(
          file
              + ": the tokenizer has "
              + tokenizer.vocabSize()
              + " ids but the model only "
              + modelVocabSize);
    }
    return tokenizer;
  }

  private static Path findIn(Path dir) {
    for (String name : new String[] {"tokenizer.json", "tokenizer.bin"}) {
      if (Files.isRegularFile(dir.resolve(name))) {
        return dir.resolve(name);
      }
    }
    try (var files = Files.list(dir)) {
      var matches =
          files
              .filter(
                  f -> {
                    String name = f.getFileName().toString();
                    return name.startsWith("tok") && name.endsWith(".bin");
                  })
              .toArray(Path[]::new);
      if (matches.length == 1) {
        return matches[0];
      }
      throw new TokenizerException(
          dir
              + ": no tokenizer.json or tokenizer.bin"
              + (matches.length > 1 ? ", and several tok*.bin files" : ""));
    } catch (IOException e) {
      throw new TokenizerException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static boolean isJson(Path file) {
    String name = file.getFileName().toString();
    if (name.endsWith(".json") || name.endsWith(".bin")) {
      return name.endsWith(".json");
    }
    try (InputStream in = Files.newInputStream(file)) {
      int b;
      do {
        b = in.read();
      } while (b == ' ' || b == '\n' || b == '\r' || b == '\t');
      return b == '{';
    } catch (IOException e) {
      throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
