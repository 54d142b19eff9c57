package dev.edgesplit.engine.tokenizer;

/**
 * Text to token ids and back. Implementations are immutable and thread-safe.
 *
 * <p>Obtain one with {@link Tokenizers#load(java.nio.file.Path)}.
 */
public interface Tokenizer {

  /**
   * Token ids of {@code text}, with the beginning-of-sequence token first when {@code bos} (and the
   * tokenizer has one: see {@link #bos()}).
   */
  int[] encode(String text, boolean bos);

  /**
   * The text that token {@code token} adds after token {@code previous} (previous is -1 at the
   * start). Byte-fallback tokens that form a partial UTF-8 sequence may return an empty string
   * until complete; see {@link #newDecoder()} for a streaming decoder that handles that.
   */
  String decode(int previous, int token);

  /**
   * A stateful decoder for one stream of tokens (not thread-safe), starting at the beginning of a
   * text.
   */
  default StreamDecoder newDecoder() {
    return newDecoder(-1);
  }

  /**
   * A stateful decoder for one stream of tokens (not thread-safe) that continues after token {@code
   * previous} (-1 at the start), e.g. the last prompt token when only the generated tokens are
   * decoded.
   */
  StreamDecoder newDecoder(int previous);

  /** The whole text of {@code tokens}, decoded as one stream from the start. */
  default String decode(int[] tokens) {
    StreamDecoder decoder = newDecoder();
    StringBuilder text = new StringBuilder();
    for (int token : tokens) {
      text.append(decoder.next(token));
    }
    return text.append(decoder.flush()).toString();
  }

  /** Beginning-of-sequence token id, or -1 when the tokenizer has none. */
  int bos();

  /** End-of-sequence token id, or -1 when the tokenizer has none. */
  int eos();

  /** Number of token ids: every id this tokenizer produces or accepts is in [0, vocabSize). */
  int vocabSize();

  /** Decodes a token stream incrementally, holding back incomplete UTF-8 byte sequences. */
  interface StreamDecoder {
    /** Text completed by this token; may be empty. */
    String next(int token);

    /** Whatever bytes are still held back, decoded leniently. */
    String flush();
  }
}
