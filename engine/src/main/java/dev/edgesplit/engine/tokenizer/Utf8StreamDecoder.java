package dev.edgesplit.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Turns the byte pieces of a token stream into text, holding back the tail of a UTF-8 sequence that
 * a later byte-fallback token will complete. Bytes that can never form valid UTF-8 come out as
 * U+FFFD at once, so one bad byte does not stall the stream.
 */
final class Utf8StreamDecoder implements Tokenizer.StreamDecoder {

  private final TokenBytes pieces;
  private final IntPredicate control;
  private final int vocabSize;
  private int previous;
  private boolean atStart;
  private byte[] pending = new byte[8];
  private int pendingLength;

  /**
   * @param control tokens that do not end the start of a text (BOS, special tokens)
   * @param previous the token before the stream, -1 if none
   */
  Utf8StreamDecoder(TokenBytes pieces, IntPredicate control, int vocabSize, int previous) {
    this.pieces = pieces;
    this.control = control;
    this.vocabSize = vocabSize;
    this.previous = previous;
    this.atStart = previous < 0 || control.test(previous);
  }

  @Override
  public String next(int token) {
    if (token < 0 || token >= vocabSize) {
      throw new IllegalArgumentException(
          "token id " + token + " is outside the vocabulary [0, " + vocabSize + ")");
    }
    byte[] bytes = pieces.bytes(previous, token, atStart);
    previous = token;
    atStart = atStart && control.test(token);
    append(bytes);
    int complete = completePrefix(pending, pendingLength);
    if (complete == 0) {
      return "";
    }
    String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
    System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
    pendingLength -= complete;
    return text;
  }

  @Override
  public String flush() {
    String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
    pendingLength = 0;
    return text;
  }

  private void append(byte[] bytes) {
    if (pendingLength + bytes.length > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + bytes.length));
    }
    System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
    pendingLength += bytes.length;
  }

  /**
   * Length of the longest prefix of {@code buf} that can be decoded now: everything except a
   * trailing, so far valid, but incomplete multi-byte sequence.
   */
  static int completePrefix(byte[] buf, int length) {
    int i = 0;
    while (i < length) {
      int lead = buf[i] & 0xFF;
      int need = sequenceLength(lead);
      if (need <= 1) {
        i++; // ASCII, or a byte that starts nothing (decoded as U+FFFD)
        continue;
      }
      int j = 1;
      while (j < need && i + j < length && (buf[i + j] & 0xC0) == 0x80) {
        j++;
      }
      if (j < need && i + j == length) {
        return i; // a valid start whose remaining bytes have not arrived yet
      }
      i += j;
    }
    return length;
  }

  private static int sequenceLength(int lead) {
    if (lead < 0x80) {
      return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      return 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      return 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      return 4;
    }
    return 0;
  }
}
