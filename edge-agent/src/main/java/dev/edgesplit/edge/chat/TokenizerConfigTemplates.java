package dev.edgesplit.edge.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads a model's chat template from a Hugging Face {@code tokenizer_config.json}: {@code
 * chat_template} (a string, or a list of named templates of which "default" is taken) and the
 * {@code bos_token} / {@code eos_token} it refers to (a string or an added-token object with {@code
 * content}). Stateless.
 */
public final class TokenizerConfigTemplates {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenizerConfigTemplates() {}

  /** The template in {@code dir/tokenizer_config.json}, if that file exists and has one. */
  public static Optional<TemplateSource> inDirectory(Path dir) {
    Path file = dir.resolve("tokenizer_config.json");
    return Files.isRegularFile(file) ? read(file) : Optional.empty();
  }

  /**
   * The template of {@code file}, empty when it has none.
   *
   * @throws IllegalArgumentException when the file is not valid JSON or its chat_template is
   *     malformed
   */
  public static Optional<TemplateSource> read(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      if (e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
        throw new IllegalArgumentException(file + ": invalid JSON: " + e.getMessage(), e);
      }
      throw new UncheckedIOException("cannot read " + file, e);
    }
    JsonNode template = root.path("chat_template");
    String jinja = null;
    if (template.isTextual()) {
      jinja = template.asText();
    } else if (template.isArray()) {
      for (JsonNode named : template) {
        if ("default".equals(named.path("name").asText())) {
          jinja = named.path("template").asText(null);
        }
      }
      if (jinja == null) {
        throw new IllegalArgumentException(
            file + ": chat_template is a list without a \"default\" template");
      }
    } else if (!template.isMissingNode() && !template.isNull()) {
      throw new IllegalArgumentException(
          file + ": chat_template must be a string or a list of named templates");
    }
    if (jinja == null || jinja.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(
        new TemplateSource(
            jinja,
            token(root.path("bos_token")),
            token(root.path("eos_token")),
            "chat_template of " + file));
  }

  private static String token(JsonNode node) {
    if (node.isObject()) {
      return node.path("content").asText("");
    }
    return node.isTextual() ? node.asText() : "";
  }
}
