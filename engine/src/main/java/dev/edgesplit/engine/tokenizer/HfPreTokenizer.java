package dev.edgesplit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * The "pre_tokenizer" section of a tokenizer.json: splits normalized text into words that BPE
 * encodes one by one. Supported: Sequence, ByteLevel, Split (Isolated, Removed, MergedWithPrevious,
 * MergedWithNext, Contiguous; invert false), Digits, Metaspace.
 */
abstract class HfPreTokenizer {

  /** The regex GPT-2's ByteLevel pre-tokenizer splits with when use_regex is true. */
  static final String GPT2_PATTERN =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  private static final HfPreTokenizer NONE =
      new HfPreTokenizer() {
        @Override
        void split(String piece, boolean firstSegment, List<String> out) {
          out.add(piece);
        }
      };

  /**
   * Appends the words of {@code piece} to {@code out}. {@code firstSegment} is true when the piece
   * starts the text (no added token before it), which Metaspace's prepend_scheme "first" depends
   * on.
   */
  abstract void split(String piece, boolean firstSegment, List<String> out);

  /** The words of one stretch of normalized text. */
  final List<String> words(String text, boolean firstSegment) {
    List<String> out = new ArrayList<>();
    split(text, firstSegment, out);
    return out;
  }

  static HfPreTokenizer from(JsonNode node, String source) {
    if (node == null || node.isNull()) {
      return NONE;
    }
    String type = HfJson.text(node, "type", source);
    switch (type) {
      case "Sequence":
        {
          List<HfPreTokenizer> parts = new ArrayList<>();
          for (JsonNode child : HfJson.array(node, "pretokenizers", source)) {
            parts.add(from(child, source));
          }
          return new SequenceOf(parts);
        }
      case "ByteLevel":
        return new ByteLevel(
            node.path("add_prefix_space").asBoolean(false), node.path("use_regex").asBoolean(true));
      case "Split":
        {
          if (node.path("invert").asBoolean(false)) {
            throw new TokenizerException(
                source + ": Split pre-tokenizer with invert=true is not supported");
          }
          return new Split(HfPattern.from(node.get("pattern"), source), behavior(node, source));
        }
      case "Digits":
        {
          boolean individual = node.path("individual_digits").asBoolean(false);
          HfPattern digits = HfPattern.from(HfPattern.node("Regex", "\\p{N}"), source);
          return new Split(digits, individual ? Behavior.ISOLATED : Behavior.CONTIGUOUS);
        }
      case "Metaspace":
        return new Metaspace(node, source);
      default:
        throw new TokenizerException(source + ": unsupported pre_tokenizer type \"" + type + "\"");
    }
  }

  private static Behavior behavior(JsonNode node, String source) {
    String name = node.path("behavior").asText("Isolated");
    switch (name) {
      case "Isolated":
        return Behavior.ISOLATED;
      case "Removed":
        return Behavior.REMOVED;
      case "MergedWithPrevious":
        return Behavior.MERGED_WITH_PREVIOUS;
      case "MergedWithNext":
        return Behavior.MERGED_WITH_NEXT;
      case "Contiguous":
        return Behavior.CONTIGUOUS;
      default:
        throw new TokenizerException(source + ": unsupported Split behavior \"" + name + "\"");
    }
  }

  /** What happens to the matches of a split pattern. */
  enum Behavior {
    ISOLATED,
    REMOVED,
    MERGED_WITH_PREVIOUS,
    MERGED_WITH_NEXT,
    CONTIGUOUS
  }

  /**
   * Splits {@code text} around the matches of {@code pattern} as Hugging Face's Split does; empty
   * words are dropped and empty matches ignored.
   */
  static void splitOn(HfPattern pattern, Behavior behavior, String text, List<String> out) {
    List<String> pieces = new ArrayList<>();
    List<Boolean> isMatch = new ArrayList<>();
    Matcher m = pattern.matcher(text);
    int last = 0;
    while (m.find()) {
      if (m.end() == m.start()) {
        continue;
      }
      if (m.start() > last) {
        pieces.add(text.substring(last, m.start()));
        isMatch.add(false);
      }
      pieces.add(m.group());
      isMatch.add(true);
      last = m.end();
    }
    if (last < text.length()) {
      pieces.add(text.substring(last));
      isMatch.add(false);
    }
    List<String> words = new ArrayList<>();
    int n = pieces.size();
    switch (behavior) {
      case ISOLATED:
        words.addAll(pieces);
        break;
      case REMOVED:
        for (int i = 0; i < n; i++) {
          if (!isMatch.get(i)) {
            words.add(pieces.get(i));
          }
        }
        break;
      case MERGED_WITH_PREVIOUS:
        for (int i = 0; i < n; i++) {
          boolean joins = isMatch.get(i) && i > 0 && !isMatch.get(i - 1);
          appendOrJoinLast(words, pieces.get(i), joins);
        }
        break;
      case MERGED_WITH_NEXT:
        for (int i = n - 1; i >= 0; i--) {
          boolean joins = isMatch.get(i) && i + 1 < n && !isMatch.get(i + 1);
          if (joins) {
            words.set(words.size() - 1, pieces.get(i) + words.get(words.size() - 1));
          } else {
            words.add(pieces.get(i));
          }
        }
        java.util.Collections.reverse(words);
        break;
      case CONTIGUOUS:
        for (int i = 0; i < n; i++) {
          boolean joins = i > 0 && isMatch.get(i) == isMatch.get(i - 1);
          appendOrJoinLast(words, pieces.get(i), joins);
        }
        break;
      default:
        throw new IllegalStateException(behavior.toString());
    }
    for (String word : words) {
      addNonEmpty(out, word);
    }
  }

  private static void appendOrJoinLast(List<String> words, String piece, boolean join) {
    if (join) {
      words.set(words.size() - 1, words.get(words.size() - 1) + piece);
    } else {
      words.add(piece);
    }
  }

  private static void addNonEmpty(List<String> out, String word) {
    if (!word.isEmpty()) {
      out.add(word);
    }
  }

  private static final class SequenceOf extends HfPreTokenizer {
    private final List<HfPreTokenizer> parts;

    SequenceOf(List<HfPreTokenizer> parts) {
      this.parts = List.copyOf(parts);
    }

    @Override
    void split(String piece, boolean firstSegment, List<String> out) {
      List<String> words = List.of(piece);
      for (HfPreTokenizer part : parts) {
        List<String> next = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
          part.split(words.get(i), firstSegment && i == 0, next);
        }
        words = next;
      }
      out.addAll(words);
    }
  }

  private static final class Split extends HfPreTokenizer {
    private final HfPattern pattern;
    private final Behavior behavior;

    Split(HfPattern pattern, Behavior behavior) {
      this.pattern = pattern;
      this.behavior = behavior;
    }

    @Override
    void split(String piece, boolean firstSegment, List<String> out) {
      splitOn(pattern, behavior, piece, out);
    }
  }

  /** Optional GPT-2 regex split, then every word respelled in the byte-level alphabet. */
  private static final class ByteLevel extends HfPreTokenizer {
    private static final HfPattern GPT2 =
        HfPattern.from(HfPattern.node("Regex", GPT2_PATTERN), "GPT-2");
    private final boolean addPrefixSpace;
    private final boolean useRegex;

    ByteLevel(boolean addPrefixSpace, boolean useRegex) {
      this.addPrefixSpace = addPrefixSpace;
      this.useRegex = useRegex;
    }

    @Override
    void split(String piece, boolean firstSegment, List<String> out) {
      String text = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
      List<String> words = new ArrayList<>();
      if (useRegex) {
        splitOn(GPT2, Behavior.ISOLATED, text, words);
      } else {
        addNonEmpty(words, text);
      }
      for (String word : words) {
        out.add(ByteLevelAlphabet.encode(word));
      }
    }
  }

  /**
   * SentencePiece-style: spaces become the replacement char ('▁'), optionally prepended, optionally
   * split on.
   */
  private static final class Metaspace extends HfPreTokenizer {
    private final String replacement;
    private final String scheme;
    private final boolean split;
    private final HfPattern splitPattern;

    Metaspace(JsonNode node, String source) {
      this.replacement = node.path("replacement").asText("\u2581");
      String legacy = node.path("add_prefix_space").asBoolean(true) ? "always" : "never";
      this.scheme = node.path("prepend_scheme").asText(legacy);
      if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never")) {
        throw new TokenizerException(
            source + ": unsupported Metaspace prepend_scheme \"" + scheme + "\"");
      }
      this.split = node.path("split").asBoolean(true);
      this.splitPattern = HfPattern.from(HfPattern.node("String", replacement), source);
    }

    @Override
    void split(String piece, boolean firstSegment, List<String> out) {
      String text = piece.replace(" ", replacement);
      boolean prepend = scheme.equals("always") || (scheme.equals("first") && firstSegment);
      if (prepend && !text.isEmpty() && !text.startsWith(replacement)) {
        text = replacement + text;
      }
      if (split) {
        splitOn(splitPattern, Behavior.MERGED_WITH_NEXT, text, out);
      } else {
        addNonEmpty(out, text);
      }
    }
  }
}
