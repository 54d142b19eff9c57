package dev.edgesplit.engine.tokenizer;

/**
 * Text to token ids and back. Implementations are immutable and thread-safe.
 */
public interface Tokenizer {

  /** Token ids of {@code text}, with the beginning-of-sequence token first when {@code bos}. */
  int[] encode(String text, boolean bos);

  /**
   * The text that token {@code token} adds after token {@code previous} (previous is -1 at the start).
   * Byte-fallback tokens that form a partial UTF-8 sequence may return an empty string until complete;
   * see {@link #newDecoder()} for a streaming decoder that handles that.
   */
  String decode(int previous, int token);

  /** A stateful decoder for one stream of tokens (not thread-safe). */
  StreamDecoder newDecoder();

  int bos();

  int eos();

  int vocabSize();

  /** Decodes a token stream incrementally, holding back incomplete UTF-8 byte sequences. */
  interface StreamDecoder {
    /** Text completed by this token; may be empty. */
    String next(int token);

    /** Whatever bytes are still held back, decoded leniently. */
    String flush();
  }
}
