package dev.edgesplit.partitioner.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough of a llama2.c tokenizer (tokenizer.bin format) for the greedy-text test: BPE encode by
 * merge scores, and decode. The product tokenizer lives in the engine module.
 */
final class Llama2cVocab {

  private final String[] pieces;
  private final float[] scores;
  private final Map<String, Integer> ids = new HashMap<>();

  Llama2cVocab(Path file, int vocabSize) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    b.getInt();
    pieces = new String[vocabSize];
    scores = new float[vocabSize];
    for (int i = 0; i < vocabSize; i++) {
      scores[i] = b.getFloat();
      byte[] bytes = new byte[b.getInt()];
      b.get(bytes);
      pieces[i] = new String(bytes, StandardCharsets.UTF_8);
      ids.putIfAbsent(pieces[i], i);
    }
  }

  List<Integer> encodeWithBos(String text) {
    List<Integer> tokens = new ArrayList<>();
    tokens.add(ids.get(" "));
    text.codePoints().forEach(cp -> {
      String s = new String(Character.toChars(cp));
      Integer id = ids.get(s);
      if (id != null) {
        tokens.add(id);
      } else {
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
          tokens.add((x & 0xff) + 3);
        }
      }
    });
    while (true) {
      float best = Float.NEGATIVE_INFINITY;
      int bestIdx = -1;
      int bestId = -1;
      for (int i = 0; i + 1 < tokens.size(); i++) {
        Integer id = ids.get(pieces[tokens.get(i)] + pieces[tokens.get(i + 1)]);
        if (id != null && scores[id] > best) {
          best = scores[id];
          bestIdx = i;
          bestId = id;
        }
      }
      if (bestIdx < 0) {
        break;
      }
      tokens.set(bestIdx, bestId);
      tokens.remove(bestIdx + 1);
    }
    tokens.add(0, 1);
    return tokens;
  }

  String decode(int prev, int token) {
    String p = pieces[token];
    if (prev == 1 && p.startsWith(" ")) {
      p = p.substring(1);
    }
    if (p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")) {
      return String.valueOf((char) Integer.parseInt(p.substring(3, 5), 16));
    }
    return p;
  }
}
