package dev.edgesplit.edge.speculate;

/**
 * Prompt lookup decoding: finds the latest earlier occurrence of the last {@value #MAX_NGRAM} (then
 * fewer) tokens in the prompt and the text so far and drafts the tokens that followed it. Costs no
 * model run; pays on text that repeats its input (summaries, code edits, quotes).
 */
final class NgramDrafter implements Drafter {

  /** Longest suffix matched first (prompt-lookup decoding's usual 3). */
  static final int MAX_NGRAM = 3;

  @Override
  public Draft propose(TokenHistory history, int max) {
    int n = history.size();
    for (int g = Math.min(MAX_NGRAM, n - 1); g >= 1; g--) {
      // Latest start j < n - g whose g tokens equal the last g.
      for (int j = n - g - 1; j >= 0; j--) {
        if (matches(history, j, n - g, g)) {
          int from = j + g;
          int to = Math.min(n, from + max);
          if (to > from) {
            return new Draft(history.range(from, to), null, null);
          }
        }
      }
    }
    return Draft.EMPTY;
  }

  private static boolean matches(TokenHistory h, int a, int b, int len) {
    for (int i = 0; i < len; i++) {
      if (h.get(a + i) != h.get(b + i)) {
        return false;
      }
    }
    return true;
  }
}
