package dev.edgesplit.edge.speculate;

import java.util.Arrays;

/** The tokens of one generation so far (prompt, then generated), growing. Not thread-safe. */
public final class TokenHistory {

  private int[] tokens;
  private int size;

  public TokenHistory(int[] prompt) {
    tokens = Arrays.copyOf(prompt, Math.max(16, prompt.length * 2));
    size = prompt.length;
  }

  public void add(int token) {
    if (size == tokens.length) {
      tokens = Arrays.copyOf(tokens, size * 2);
    }
    tokens[size++] = token;
  }

  public int size() {
    return size;
  }

  public int get(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException(i);
    }
    return tokens[i];
  }

  /** A new history: these tokens followed by {@code more}. */
  public TokenHistory followedBy(int[] more) {
    TokenHistory h = new TokenHistory(range(0, size));
    for (int t : more) {
      h.add(t);
    }
    return h;
  }

  /** Tokens {@code [from, to)} in a new array. */
  public int[] range(int from, int to) {
    return Arrays.copyOfRange(tokens, from, to);
  }
}
