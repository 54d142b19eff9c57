package dev.edgesplit.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The added (often special) tokens of a tokenizer.json, found verbatim in raw text before
 * normalization and BPE, leftmost first and the longest at a position. Immutable and thread-safe.
 */
final class AddedTokens {

  /** One entry of "added_tokens". */
  record Entry(int id, String content, boolean special) {
    Entry {
      if (content.isEmpty()) {
        throw new IllegalArgumentException("added token " + id + " has empty content");
      }
    }
  }

  /**
   * A stretch of text: either an added token ({@code id >= 0}) or plain text to normalize and
   * encode.
   */
  record Segment(String text, int id) {}

  private final Map<Character, List<Entry>> byFirstChar = new HashMap<>(); // longest first
  private final Map<Integer, Entry> byId = new HashMap<>();
  private final Map<String, Entry> byContent = new HashMap<>();

  AddedTokens(List<Entry> entries) {
    for (Entry entry : entries) {
      byId.put(entry.id(), entry);
      byContent.put(entry.content(), entry);
      byFirstChar.computeIfAbsent(entry.content().charAt(0), c -> new ArrayList<>()).add(entry);
    }
    for (List<Entry> list : byFirstChar.values()) {
      list.sort(Comparator.comparingInt((Entry e) -> e.content().length()).reversed());
    }
  }

  Entry byId(int id) {
    return byId.get(id);
  }

  Entry byContent(String content) {
    return byContent.get(content);
  }

  int maxId() {
    return byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
  }

  /** {@code text} cut into added tokens and the plain stretches between them, in order. */
  List<Segment> split(String text) {
    List<Segment> segments = new ArrayList<>();
    int plainStart = 0;
    int i = 0;
    while (i < text.length()) {
      Entry match = matchAt(text, i);
      if (match == null) {
        i++;
        continue;
      }
      if (i > plainStart) {
        segments.add(new Segment(text.substring(plainStart, i), -1));
      }
      segments.add(new Segment(match.content(), match.id()));
      i += match.content().length();
      plainStart = i;
    }
    if (plainStart < text.length()) {
      segments.add(new Segment(text.substring(plainStart), -1));
    }
    return segments;
  }

  private Entry matchAt(String text, int i) {
    List<Entry> candidates = byFirstChar.get(text.charAt(i));
    if (candidates != null) {
      for (Entry entry : candidates) {
        if (text.startsWith(entry.content(), i)) {
          return entry;
        }
      }
    }
    return null;
  }
}
