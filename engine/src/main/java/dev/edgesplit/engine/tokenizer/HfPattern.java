package dev.edgesplit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** A tokenizer.json pattern: {"String": literal} or {"Regex": expression}. */
final class HfPattern {

  private final Pattern pattern;

  private HfPattern(Pattern pattern) {
    this.pattern = pattern;
  }

  static HfPattern from(JsonNode node, String source) {
    if (node == null || !node.isObject()) {
      throw new TokenizerException(
          source + ": a pattern must be {\"String\": ...} or {\"Regex\": ...}, got " + node);
    }
    if (node.has("String")) {
      return new HfPattern(Pattern.compile(Pattern.quote(node.get("String").asText())));
    }
    if (node.has("Regex")) {
      String regex = node.get("Regex").asText();
      try {
        // Hugging Face evaluates these with Unicode classes (\s, \w match beyond ASCII); Java needs
        // the flag.
        return new HfPattern(Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS));
      } catch (PatternSyntaxException e) {
        throw new TokenizerException(
            source + ": regex " + regex + " is not supported: " + e.getDescription(), e);
      }
    }
    throw new TokenizerException(
        source + ": a pattern must be {\"String\": ...} or {\"Regex\": ...}, got " + node);
  }

  /** A pattern node, for patterns the code itself needs ({"String": x} or {"Regex": x}). */
  static JsonNode node(String kind, String value) {
    return JsonNodeFactory.instance.objectNode().put(kind, value);
  }

  Matcher matcher(CharSequence text) {
    return pattern.matcher(text);
  }

  String replaceAll(String text, String replacement) {
    return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(replacement));
  }
}
