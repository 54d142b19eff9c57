package dev.edgesplit.partitioner.model;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A llama2.c {@code tokenizer.bin} for a model with random weights: {@code <unk>}, {@code <s>},
 * {@code </s>}, the 256 byte tokens, the printable ASCII characters, then placeholder pieces {@code
 * <tN>}. Its text is meaningless, like the model's; it exists so that code which needs a tokenizer
 * (the edge agent decodes every token) can serve a synthetic model.
 */
public final class SyntheticVocabulary {

  private SyntheticVocabulary() {}

  public static byte[] llama2c(int vocabSize) {
    if (vocabSize < 259) {
      throw new IllegalArgumentException(
          "a llama2.c vocabulary needs at least 259 tokens, got " + vocabSize);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(vocabSize * 16);
    String[] pieces = new String[vocabSize];
    pieces[0] = "<unk>";
    pieces[1] = "<s>";
    pieces[2] = "</s>";
    for (int b = 0; b < 256; b++) {
      pieces[3 + b] = String.format(Locale.ROOT, "<0x%02X>", b);
    }
    // Printable ASCII as single pieces, so that any text encodes (other characters fall back to
    // bytes).
    int next = 259;
    for (char c = ' '; c <= '~' && next < vocabSize; c++) {
      pieces[next++] = String.valueOf(c);
    }
    for (int i = next; i < vocabSize; i++) {
      pieces[i] = " <t" + i + ">";
    }
    int maxLength = 0;
    for (String p : pieces) {
      maxLength = Math.max(maxLength, p.length());
    }
    out.writeBytes(le(ByteBuffer.allocate(4)).putInt(maxLength).array());
    for (int i = 0; i < vocabSize; i++) {
      byte[] piece = pieces[i].getBytes(StandardCharsets.US_ASCII);
      out.writeBytes(le(ByteBuffer.allocate(8)).putFloat(-i).putInt(piece.length).array());
      out.writeBytes(piece);
    }
    return out.toByteArray();
  }

  private static ByteBuffer le(ByteBuffer b) {
    return b.order(ByteOrder.LITTLE_ENDIAN);
  }
}
