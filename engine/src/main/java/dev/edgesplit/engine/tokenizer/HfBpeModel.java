package dev.edgesplit.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The "model" section of a tokenizer.json of type BPE: vocabulary, ranked merges, unknown-token and
 * byte-fallback handling. Encodes one pre-tokenized word at a time. Immutable and thread-safe.
 */
final class HfBpeModel {

  private final Map<String, Integer> vocab;
  private final Map<Long, Long> merges; // (left << 32 | right) -> BpeMerger.pack(rank, merged)
  private final int unkId; // -1 when the model has no unknown token
  private final boolean fuseUnk;
  private final boolean ignoreMerges;
  private final int[] byteIds; // [256] ids of <0x00>..<0xFF> when byte_fallback, else null

  private HfBpeModel(
      Map<String, Integer> vocab,
      Map<Long, Long> merges,
      int unkId,
      boolean fuseUnk,
      boolean ignoreMerges,
      int[] byteIds) {
    this.vocab = vocab;
    this.merges = merges;
    this.unkId = unkId;
    this.fuseUnk = fuseUnk;
    this.ignoreMerges = ignoreMerges;
    this.byteIds = byteIds;
  }

  static HfBpeModel from(JsonNode model, String source) {
    String type = model.path("type").asText("BPE");
    if (!type.equals("BPE")) {
      throw new TokenizerException(
          source + ": model type \"" + type + "\" is not supported (only BPE)");
    }
    for (String field : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
      JsonNode value = model.get(field);
      if (value != null && !value.isNull() && !value.asText().isEmpty()) {
        throw new TokenizerException(
            source + ": BPE " + field + " \"" + value.asText() + "\" is not supported");
      }
    }
    JsonNode vocabNode = HfJson.object(model, "vocab", source);
    Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
    for (Map.Entry<String, JsonNode> entry : vocabNode.properties()) {
      if (!entry.getValue().canConvertToInt() || entry.getValue().asInt() < 0) {
        throw new TokenizerException(
            source + ": vocab entry \"" + entry.getKey() + "\" has id " + entry.getValue());
      }
      vocab.put(entry.getKey(), entry.getValue().asInt());
    }
    Map<Long, Long> merges = readMerges(HfJson.array(model, "merges", source), vocab, source);
    int unkId = -1;
    JsonNode unk = model.get("unk_token");
    if (unk != null && !unk.isNull()) {
      Integer id = vocab.get(unk.asText());
      if (id == null) {
        throw new TokenizerException(
            source + ": unk_token \"" + unk.asText() + "\" is not in the vocab");
      }
      unkId = id;
    }
    int[] byteIds = null;
    if (model.path("byte_fallback").asBoolean(false)) {
      byteIds = new int[256];
      for (int b = 0; b < 256; b++) {
        Integer id = vocab.get(String.format("<0x%02X>", b));
        byteIds[b] = id == null ? -1 : id;
      }
    }
    return new HfBpeModel(
        vocab,
        merges,
        unkId,
        model.path("fuse_unk").asBoolean(false),
        model.path("ignore_merges").asBoolean(false),
        byteIds);
  }

  private static Map<Long, Long> readMerges(
      JsonNode list, Map<String, Integer> vocab, String source) {
    Map<Long, Long> merges = new HashMap<>(list.size() * 2);
    int rank = 0;
    for (JsonNode merge : list) {
      String left;
      String right;
      if (merge.isTextual()) {
        String[] parts = merge.asText().split(" ", -1);
        if (parts.length != 2) {
          throw new TokenizerException(
              source + ": merge " + rank + " \"" + merge.asText() + "\" is not \"a b\"");
        }
        left = parts[0];
        right = parts[1];
      } else if (merge.isArray() && merge.size() == 2) {
        left = merge.get(0).asText();
        right = merge.get(1).asText();
      } else {
        throw new TokenizerException(
            source + ": merge " + rank + " is neither \"a b\" nor [a, b]: " + merge);
      }
      Integer l = vocab.get(left);
      Integer r = vocab.get(right);
      Integer m = vocab.get(left + right);
      if (l == null || r == null || m == null) {
        throw new TokenizerException(
            source
                + ": merge "
                + rank
                + " ("
                + left
                + " + "
                + right
                + ") uses a token that is not in the vocab");
      }
      // put, not putIfAbsent: a repeated merge takes its later rank, as in Hugging Face.
      merges.put(((long) l << 32) | (r & 0xFFFFFFFFL), BpeMerger.pack(rank, m));
      rank++;
    }
    return merges;
  }

  /** Appends the ids of one pre-tokenized word to {@code out}. */
  void encodeWord(String word, IntList out) {
    if (word.isEmpty()) {
      return;
    }
    Integer whole = ignoreMerges ? vocab.get(word) : null;
    if (whole != null) {
      out.add(whole);
      return;
    }
    IntList symbols = new IntList();
    boolean lastWasUnk = false;
    for (int i = 0; i < word.length(); ) {
      int cp = word.codePointAt(i);
      String ch = word.substring(i, i + Character.charCount(cp));
      i += ch.length();
      Integer id = vocab.get(ch);
      if (id != null) {
        symbols.add(id);
        lastWasUnk = false;
        continue;
      }
      int[] bytes = byteFallback(ch);
      if (bytes != null) {
        symbols.addAll(bytes);
        lastWasUnk = false;
      } else if (unkId >= 0 && !(fuseUnk && lastWasUnk)) {
        symbols.add(unkId);
        lastWasUnk = true;
      }
    }
    out.addAll(BpeMerger.merge(symbols.toArray(), symbols.size(), this::findMerge));
  }

  private int[] byteFallback(String ch) {
    if (byteIds == null) {
      return null;
    }
    byte[] utf8 = ch.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[utf8.length];
    for (int i = 0; i < utf8.length; i++) {
      ids[i] = byteIds[utf8[i] & 0xFF];
      if (ids[i] < 0) {
        return null; // Hugging Face falls back to unk unless every byte token exists
      }
    }
    return ids;
  }

  private long findMerge(int left, int right) {
    Long found = merges.get(((long) left << 32) | (right & 0xFFFFFFFFL));
    return found == null ? -1 : found;
  }

  Map<String, Integer> vocab() {
    return vocab;
  }

  int unkId() {
    return unkId;
  }

  boolean byteFallback() {
    return byteIds != null;
  }

  int[] byteIds() {
    return byteIds == null ? null : Arrays.copyOf(byteIds, byteIds.length);
  }
}
