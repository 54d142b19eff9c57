package dev.edgesplit.engine.tokenizer;

/**
 * GPT-2's reversible map from bytes to printable characters, used by byte-level BPE vocabularies:
 * printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves, the other 68 bytes to
 * U+0100 onwards in byte order (so a space is 'Ġ' U+0120 and a newline 'Ċ' U+010A).
 */
final class ByteLevelAlphabet {

  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = printable ? (char) b : (char) (256 + extra++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevelAlphabet() {}

  /** The byte-level spelling of {@code text}'s UTF-8 bytes. */
  static String encode(String text) {
    byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    char[] chars = new char[utf8.length];
    for (int i = 0; i < utf8.length; i++) {
      chars[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
    }
    return new String(chars);
  }

  /** The byte {@code c} stands for, or -1 when {@code c} is not in the alphabet. */
  static int byteOf(char c) {
    return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }

  static char charOf(int b) {
    return BYTE_TO_CHAR[b];
  }
}
