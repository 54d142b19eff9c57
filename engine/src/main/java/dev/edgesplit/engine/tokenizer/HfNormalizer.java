package dev.edgesplit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The "normalizer" section of a tokenizer.json, applied to each stretch of text between added
 * tokens. Supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip.
 */
final class HfNormalizer {

  private final UnaryOperator<String> steps;

  private HfNormalizer(UnaryOperator<String> steps) {
    this.steps = steps;
  }

  static HfNormalizer from(JsonNode node, String source) {
    return new HfNormalizer(step(node, source));
  }

  String normalize(String text) {
    return steps.apply(text);
  }

  private static UnaryOperator<String> step(JsonNode node, String source) {
    if (node == null || node.isNull()) {
      return UnaryOperator.identity();
    }
    String type = HfJson.text(node, "type", source);
    switch (type) {
      case "Sequence":
        {
          List<UnaryOperator<String>> parts = new ArrayList<>();
          for (JsonNode child : HfJson.array(node, "normalizers", source)) {
            parts.add(step(child, source));
          }
          return text -> {
            String out = text;
            for (UnaryOperator<String> part : parts) {
              out = part.apply(out);
            }
            return out;
          };
        }
      case "Prepend":
        {
          String prefix = HfJson.text(node, "prepend", source);
          return text -> text.isEmpty() ? text : prefix + text;
        }
      case "Replace":
        {
          HfPattern pattern = HfPattern.from(node.get("pattern"), source);
          String content = HfJson.text(node, "content", source);
          return text -> pattern.replaceAll(text, content);
        }
      case "NFC":
        return text -> Normalizer.normalize(text, Normalizer.Form.NFC);
      case "NFD":
        return text -> Normalizer.normalize(text, Normalizer.Form.NFD);
      case "NFKC":
        return text -> Normalizer.normalize(text, Normalizer.Form.NFKC);
      case "NFKD":
        return text -> Normalizer.normalize(text, Normalizer.Form.NFKD);
      case "Lowercase":
        return text -> text.toLowerCase(Locale.ROOT);
      case "Strip":
        {
          boolean left = node.path("strip_left").asBoolean(true);
          boolean right = node.path("strip_right").asBoolean(true);
          return text ->
              left && right
                  ? text.strip()
                  : left ? text.stripLeading() : right ? text.stripTrailing() : text;
        }
      default:
        throw new TokenizerException(source + ": unsupported normalizer type \"" + type + "\"");
    }
  }
}
