package dev.edgesplit.edge;

import dev.edgesplit.engine.tokenizer.Tokenizer;
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
 * Test-only reader of a llama2.c tokenizer file (max_token_length, then per token: float score, int length,
 * bytes), encoding by greedy best-score pair merges. Stands in until the engine's Tokenizers loader is
 * merged into this branch; the serving code depends only on the {@link Tokenizer} interface.
 */
final class Llama2cTestTokenizer implements Tokenizer {

  private final String[] pieces;
  private final float[] scores;
  private final Map<String, Integer> ids = new HashMap<>();

  Llama2cTestTokenizer(Path file, int vocabSize) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    buf.getInt();
    pieces = new String[vocabSize];
    scores = new float[vocabSize];
    for (int i = 0; i < vocabSize; i++) {
      scores[i] = buf.getFloat();
      byte[] b = new byte[buf.getInt()];
      buf.get(b);
      pieces[i] = new String(b, StandardCharsets.UTF_8);
      ids.putIfAbsent(pieces[i], i);
    }
  }

  @Override
  public int[] encode(String text, boolean bos) {
    List<Integer> out = new ArrayList<>();
    if (!text.isEmpty()) {
      out.add(ids.get(" "));
    }
    text.codePoints().forEach(cp -> {
      String s = new String(Character.toChars(cp));
      Integer id = ids.get(s);
      if (id != null) {
        out.add(id);
      } else {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
          out.add((b & 0xff) + 3);
        }
      }
    });
    while (true) {
      float best = Float.NEGATIVE_INFINITY;
      int bestId = -1;
      int at = -1;
      for (int i = 0; i + 1 < out.size(); i++) {
        Integer id = ids.get(pieces[out.get(i)] + pieces[out.get(i + 1)]);
        if (id != null && scores[id] > best) {
          best = scores[id];
          bestId = id;
          at = i;
        }
      }
      if (at < 0) {
        break;
      }
      out.set(at, bestId);
      out.remove(at + 1);
    }
    if (bos) {
      out.add(0, bos());
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public String decode(int previous, int token) {
    String piece = pieces[token];
    if (previous == bos() && piece.startsWith(" ")) {
      piece = piece.substring(1);
    }
    if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
      return String.valueOf((char) Integer.parseInt(piece.substring(3, 5), 16));
    }
    return piece;
  }

  @Override
  public StreamDecoder newDecoder() {
    return new StreamDecoder() {
      private int previous = -1;

      @Override
      public String next(int token) {
        String s = decode(previous, token);
        previous = token;
        return s;
      }

      @Override
      public String flush() {
        return "";
      }
    };
  }

  @Override
  public int bos() {
    return 1;
  }

  @Override
  public int eos() {
    return 2;
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }
}
