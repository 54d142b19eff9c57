package dev.edgesplit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The "decoder" section of a tokenizer.json, applied one token at a time so text can be streamed.
 * Supported: Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace.
 *
 * <p>Hugging Face decodes a whole id list at once; per token that is the same except for steps
 * after a Fuse, which see the fused text: a Strip after Fuse therefore applies only to the first
 * token of a text, and its "stop" (trailing) count is not supported.
 */
final class HfDecoder {

  /** One token on its way through the steps: text until a step turns it into bytes. */
  private static final class Piece {
    String text;
    byte[] bytes;

    Piece(String text) {
      this.text = text;
    }

    byte[] toBytes() {
      return bytes != null ? bytes : text.getBytes(StandardCharsets.UTF_8);
    }
  }

  private interface Step {
    void apply(Piece piece, boolean first);
  }

  private final List<Step> steps;

  private HfDecoder(List<Step> steps) {
    this.steps = List.copyOf(steps);
  }

  static HfDecoder from(JsonNode node, String source) {
    List<Step> steps = new ArrayList<>();
    add(node, source, steps, new boolean[] {false});
    return new HfDecoder(steps);
  }

  /**
   * Bytes that token {@code content} (its vocab string) decodes to; {@code first} when it begins
   * the text.
   */
  byte[] decode(String content, boolean first) {
    Piece piece = new Piece(content);
    for (Step step : steps) {
      step.apply(piece, first);
    }
    return piece.toBytes();
  }

  private static void add(JsonNode node, String source, List<Step> steps, boolean[] fused) {
    if (node == null || node.isNull()) {
      return;
    }
    String type = HfJson.text(node, "type", source);
    switch (type) {
      case "Sequence":
        for (JsonNode child : HfJson.array(node, "decoders", source)) {
          add(child, source, steps, fused);
        }
        return;
      case "ByteLevel":
        steps.add(
            (piece, first) -> {
              if (piece.bytes == null) {
                piece.bytes = byteLevelBytes(piece.text);
              }
            });
        return;
      case "Replace":
        {
          HfPattern pattern = HfPattern.from(node.get("pattern"), source);
          String content = HfJson.text(node, "content", source);
          steps.add(
              (piece, first) -> {
                if (piece.bytes == null) {
                  piece.text = pattern.replaceAll(piece.text, content);
                }
              });
          return;
        }
      case "ByteFallback":
        steps.add(
            (piece, first) -> {
              int value = piece.bytes == null ? byteTokenValue(piece.text) : -1;
              if (value >= 0) {
                piece.bytes = new byte[] {(byte) value};
              }
            });
        return;
      case "Fuse":
        fused[0] = true;
        return;
      case "Strip":
        steps.add(strip(node, source, fused[0]));
        return;
      case "Metaspace":
        {
          String replacement = node.path("replacement").asText("\u2581");
          String legacy = node.path("add_prefix_space").asBoolean(true) ? "always" : "never";
          boolean prepends = !node.path("prepend_scheme").asText(legacy).equals("never");
          steps.add(
              (piece, first) -> {
                if (piece.bytes == null) {
                  piece.text = piece.text.replace(replacement, " ");
                  if (first && prepends && piece.text.startsWith(" ")) {
                    piece.text = piece.text.substring(1);
                  }
                }
              });
          return;
        }
      default:
        throw new TokenizerException(source + ": unsupported decoder type \"" + type + "\"");
    }
  }

  private static Step strip(JsonNode node, String source, boolean afterFuse) {
    String content = HfJson.text(node, "content", source);
    int start = node.path("start").asInt(0);
    int stop = node.path("stop").asInt(0);
    if (content.length() != 1) {
      throw new TokenizerException(
          source + ": Strip decoder content must be one character, got \"" + content + "\"");
    }
    if (afterFuse && stop != 0) {
      throw new TokenizerException(
          source + ": a Strip decoder with stop > 0 after Fuse cannot be streamed");
    }
    char c = content.charAt(0);
    return (piece, first) -> {
      if (afterFuse && !first) {
        return;
      }
      if (piece.bytes != null) {
        if (c < 0x80) {
          piece.bytes = stripBytes(piece.bytes, (byte) c, start, stop);
        }
        return;
      }
      int from = 0;
      while (from < start && from < piece.text.length() && piece.text.charAt(from) == c) {
        from++;
      }
      int to = piece.text.length();
      while (piece.text.length() - to < stop && to > from && piece.text.charAt(to - 1) == c) {
        to--;
      }
      piece.text = piece.text.substring(from, to);
    };
  }

  private static byte[] stripBytes(byte[] bytes, byte c, int start, int stop) {
    int from = 0;
    while (from < start && from < bytes.length && bytes[from] == c) {
      from++;
    }
    int to = bytes.length;
    while (bytes.length - to < stop && to > from && bytes[to - 1] == c) {
      to--;
    }
    return java.util.Arrays.copyOfRange(bytes, from, to);
  }

  private static byte[] byteLevelBytes(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int b = cp < 0x10000 ? ByteLevelAlphabet.byteOf((char) cp) : -1;
      if (b >= 0) {
        out.write(b);
      } else {
        // Not a byte-level char: keep it as UTF-8.
        byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        out.write(utf8, 0, utf8.length);
      }
      i += Character.charCount(cp);
    }
    return out.toByteArray();
  }

  /** 0..255 for {@code <0xHH>}, else -1. */
  static int byteTokenValue(String text) {
    if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') {
      return -1;
    }
    int hi = Character.digit(text.charAt(3), 16);
    int lo = Character.digit(text.charAt(4), 16);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }
}
