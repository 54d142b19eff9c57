package dev.edgesplit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

/** Field access for tokenizer.json trees that fails with the file name and the missing field. */
final class HfJson {

  private HfJson() {}

  static String text(JsonNode node, String field, String source) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new TokenizerException(
          source + ": expected a string \"" + field + "\" in " + abbreviate(node));
    }
    return value.asText();
  }

  static JsonNode array(JsonNode node, String field, String source) {
    JsonNode value = node.get(field);
    if (value == null || !value.isArray()) {
      throw new TokenizerException(
          source + ": expected an array \"" + field + "\" in " + abbreviate(node));
    }
    return value;
  }

  static JsonNode object(JsonNode node, String field, String source) {
    JsonNode value = node.get(field);
    if (value == null || !value.isObject()) {
      throw new TokenizerException(source + ": expected an object \"" + field + "\"");
    }
    return value;
  }

  static String abbreviate(JsonNode node) {
    String text = String.valueOf(node);
    return text.length() <= 120 ? text : text.substring(0, 117) + "...";
  }
}
