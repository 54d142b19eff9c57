package dev.edgesplit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code tokenizer_config.json} that sits beside a tokenizer file: Hugging Face models ship
 * one, GGUF imports write one from {@code tokenizer.chat_template} and the BOS/EOS ids, and
 * compiled models copy it.
 */
public final class TokenizerConfig {

  /** Its file name, beside {@code tokenizer.json} or {@code tokenizer.bin}. */
  public static final String FILE_NAME = "tokenizer_config.json";

  private TokenizerConfig() {}

  /**
   * The Jinja chat template of the model whose tokenizer is {@code tokenizerFile}: the string
   * {@code chat_template}, or the entry named "default" when it is a list of named templates; empty
   * when there is none.
   *
   * @throws TokenizerException when the config exists but is not valid JSON
   */
  public static Optional<String> chatTemplate(Path tokenizerFile) {
    Path config = tokenizerFile.resolveSibling(FILE_NAME);
    if (!Files.isRegularFile(config)) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(config.toFile());
    } catch (IOException e) {
      throw new TokenizerException(config + ": not valid JSON: " + e.getMessage(), e);
    }
    JsonNode template = root == null ? null : root.get("chat_template");
    if (template == null || template.isNull()) {
      return Optional.empty();
    }
    if (template.isTextual()) {
      return Optional.of(template.asText());
    }
    if (template.isArray()) {
      for (JsonNode named : template) {
        if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
          return Optional.of(named.get("template").asText());
        }
      }
    }
    return Optional.empty();
  }
}
