package dev.edgesplit.engine.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The tokenizer of llama2.c's {@code tokenizer.bin} files (a SentencePiece BPE vocabulary with
 * merge scores), encoding and decoding exactly as llama2.c's run.c does.
 *
 * <p>File layout (little-endian): int32 max_token_length, then per token {float32 score, int32
 * length, bytes}. Ids 0, 1, 2 are unk, BOS, EOS; ids 3..258 are the byte tokens {@code
 * <0x00>..<0xFF>}.
 *
 * <p>Pieces are kept as ISO-8859-1 strings of their raw bytes: one char per byte, so concatenating
 * and hashing them is exactly run.c's byte-string concatenation and lookup. Immutable and
 * thread-safe.
 */
public final class Llama2cTokenizer implements Tokenizer {

  /** Id of the beginning-of-sequence token in every llama2.c vocabulary. */
  public static final int BOS = 1;

  /** Id of the end-of-sequence token in every llama2.c vocabulary. */
  public static final int EOS = 2;

  private static final int BYTE_OFFSET = 3;
  private static final int BYTE_TOKENS = 256;

  /** run.c only merges pairs whose merged token scores above this. */
  private static final float MIN_MERGE_SCORE = -1e10f;

  private final String source;
  private final String[] pieces; // [vocab] raw bytes of each piece, one char per byte
  private final float[] scores; // [vocab]
  private final int[] mergeRank; // [vocab] 0 for the highest score; equal scores share a rank
  private final Map<String, Integer> ids;
  private final byte[][]
      output; // [vocab] bytes each token prints (a byte token prints its one byte)
  private final int spaceId;

  private Llama2cTokenizer(String source, String[] pieces, float[] scores) {
    this.source = source;
    this.pieces = pieces;
    this.scores = scores;
    this.ids = new HashMap<>(pieces.length * 2);
    for (int id = pieces.length - 1; id >= 0; id--) {
      ids.put(pieces[id], id); // lowest id wins if a file repeats a piece
    }
    this.mergeRank = ranksByDescendingScore(scores);
    this.output = new byte[pieces.length][];
    for (int id = 0; id < pieces.length; id++) {
      int byteValue = byteTokenValue(pieces[id]);
      output[id] =
          byteValue >= 0
              ? new byte[] {(byte) byteValue}
              : pieces[id].getBytes(StandardCharsets.ISO_8859_1);
    }
    Integer space = ids.get(" ");
    this.spaceId = space == null ? -1 : space;
    checkByteTokens();
  }

  /** Loads {@code file}, reading tokens until the end of the file. */
  public static Llama2cTokenizer load(Path file) {
    return read(file, -1);
  }

  /**
   * Loads the first {@code vocabSize} tokens of {@code file} (the model's vocabulary size); later
   * bytes are ignored.
   */
  public static Llama2cTokenizer load(Path file, int vocabSize) {
    if (vocabSize <= 0) {
      throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
    }
    return read(file, vocabSize);
  }

  private static Llama2cTokenizer read(Path file, int vocabSize) {
    byte[] data;
    try {
      data = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new TokenizerException(
          "cannot read llama2.c tokenizer " + file + ": " + e.getMessage(), e);
    }
    ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < 4) {
      throw new TokenizerException(
          file + ": not a llama2.c tokenizer: " + data.length + " bytes, no header");
    }
    int maxTokenLength = in.getInt();
    if (maxTokenLength <= 0 || maxTokenLength > 4096) {
      throw new TokenizerException(
          file + ": not a llama2.c tokenizer: max_token_length " + maxTokenLength);
    }
    int capacity = vocabSize > 0 ? vocabSize : Math.max(16, data.length / 9);
    String[] pieces = new String[capacity];
    float[] scores = new float[capacity];
    int count = 0;
    while (vocabSize > 0 ? count < vocabSize : in.hasRemaining()) {
      int offset = in.position();
      if (in.remaining() < 8) {
        throw truncated(file, count, offset, vocabSize);
      }
      float score = in.getFloat();
      int length = in.getInt();
      if (Float.isNaN(score)) {
        throw new TokenizerException(
            file + ": token " + count + " at byte " + offset + " has a NaN score");
      }
      if (length < 0 || length > maxTokenLength) {
        throw new TokenizerException(
            file
                + ": token "
                + count
                + " at byte "
                + offset
                + " has length "
                + length
                + ", outside [0, max_token_length "
                + maxTokenLength
                + "]");
      }
      if (in.remaining() < length) {
        throw truncated(file, count, offset, vocabSize);
      }
      pieces[count] = new String(data, in.position(), length, StandardCharsets.ISO_8859_1);
      scores[count] = score;
      in.position(in.position() + length);
      count++;
    }
    String name = file.toString();
    return new Llama2cTokenizer(name, Arrays.copyOf(pieces, count), Arrays.copyOf(scores, count));
  }

  private static TokenizerException truncated(Path file, int token, int offset, int vocabSize) {
    String expected = vocabSize > 0 ? " of the " + vocabSize + " expected" : "";
    return new TokenizerException(
        file
            + ": truncated: token "
            + token
            + expected
            + " at byte "
            + offset
            + " runs past the end of the file");
  }

  @Override
  public int[] encode(String text, boolean bos) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    int[] tokens = new int[utf8.length + 2];
    int n = 0;
    if (bos) {
      tokens[n++] = BOS;
    }
    if (!text.isEmpty()) {
      if (spaceId < 0) {
        throw new TokenizerException(
            source + ": has no \" \" token for the dummy prefix; cannot encode text");
      }
      tokens[n++] = spaceId;
    }
    int start = 0;
    while (start < utf8.length) {
      // One code point: a lead byte and its continuation bytes (at most 4 bytes, as run.c groups
      // them).
      int end = start + 1;
      while (end < utf8.length && end - start < 4 && (utf8[end] & 0xC0) == 0x80) {
        end++;
      }
      Integer id = ids.get(new String(utf8, start, end - start, StandardCharsets.ISO_8859_1));
      if (id != null) {
        tokens[n++] = id;
      } else {
        for (int i = start; i < end; i++) {
          tokens[n++] = (utf8[i] & 0xFF) + BYTE_OFFSET;
        }
      }
      start = end;
    }
    return BpeMerger.merge(tokens, n, this::findMerge);
  }

  private long findMerge(int left, int right) {
    Integer merged = ids.get(pieces[left].concat(pieces[right]));
    if (merged == null || !(scores[merged] > MIN_MERGE_SCORE)) {
      return -1;
    }
    return BpeMerger.pack(mergeRank[merged], merged);
  }

  /**
   * As run.c's decode: after BOS a leading space of the piece is dropped; BOS and EOS themselves
   * give "". A byte token gives its raw byte, returned here only when it is ASCII (a lone byte of a
   * multi-byte character decodes to "": use a {@link #newDecoder() stream decoder} for those).
   */
  @Override
  public String decode(int previous, int token) {
    byte[] bytes = bytes(previous, token, false);
    int complete = Utf8StreamDecoder.completePrefix(bytes, bytes.length);
    return new String(bytes, 0, complete, StandardCharsets.UTF_8);
  }

  @Override
  public StreamDecoder newDecoder(int previous) {
    return new Utf8StreamDecoder(this::bytes, t -> t == BOS || t == EOS, pieces.length, previous);
  }

  /** run.c strips by the previous token alone, so {@code atStart} is not used. */
  private byte[] bytes(int previous, int token, boolean atStart) {
    checkId(token);
    if (token == BOS || token == EOS) {
      return new byte
          [0]; // control tokens: run.c never prints them (its pieces are "\n<s>\n", "\n</s>\n")
    }
    byte[] piece = output[token];
    if (previous == BOS
        && piece.length > 0
        && piece[0] == ' '
        && byteTokenValue(pieces[token]) < 0) {
      return Arrays.copyOfRange(piece, 1, piece.length);
    }
    return piece;
  }

  /** The raw piece of {@code token} as stored in the file, e.g. " Once" or "<0x0A>". */
  public String piece(int token) {
    checkId(token);
    return new String(pieces[token].getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }

  /** The merge score of {@code token}. */
  public float score(int token) {
    checkId(token);
    return scores[token];
  }

  @Override
  public int bos() {
    return BOS;
  }

  @Override
  public int eos() {
    return EOS;
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  private void checkId(int token) {
    if (token < 0 || token >= pieces.length) {
      throw new IllegalArgumentException(
          "token id " + token + " is outside the vocabulary [0, " + pieces.length + ")");
    }
  }

  private void checkByteTokens() {
    if (pieces.length < BYTE_OFFSET + BYTE_TOKENS) {
      throw new TokenizerException(
          source
              + ": "
              + pieces.length
              + " tokens; a llama2.c vocabulary needs at least "
              + (BYTE_OFFSET + BYTE_TOKENS)
              + " (unk, BOS, EOS and 256 byte tokens)");
    }
    for (int b = 0; b < BYTE_TOKENS; b++) {
      if (byteTokenValue(pieces[b + BYTE_OFFSET]) != b) {
        throw new TokenizerException(
            source
                + ": token "
                + (b + BYTE_OFFSET)
                + " is \""
                + pieces[b + BYTE_OFFSET]
                + "\", expected the byte token "
                + String.format("<0x%02X>", b));
      }
    }
  }

  /** 0..255 for a piece of the form {@code <0xHH>}, else -1. */
  private static int byteTokenValue(String piece) {
    if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
      return -1;
    }
    int hi = Character.digit(piece.charAt(3), 16);
    int lo = Character.digit(piece.charAt(4), 16);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }

  private static int[] ranksByDescendingScore(float[] scores) {
    // + 0f folds -0.0 into 0.0: run.c compares scores with '>', for which they are equal.
    float[] distinct = new float[scores.length];
    for (int i = 0; i < scores.length; i++) {
      distinct[i] = scores[i] + 0f;
    }
    Arrays.sort(distinct);
    int unique = 0;
    for (int i = 0; i < distinct.length; i++) {
      if (unique == 0 || Float.compare(distinct[unique - 1], distinct[i]) != 0) {
        distinct[unique++] = distinct[i];
      }
    }
    int[] ranks = new int[scores.length];
    for (int id = 0; id < scores.length; id++) {
      ranks[id] = unique - 1 - Arrays.binarySearch(distinct, 0, unique, scores[id] + 0f);
    }
    return ranks;
  }
}
