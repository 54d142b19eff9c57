package dev.edgesplit.edge.generate;

/**
 * The tokens one step yields, in order: one, or a window's accepted drafts and the token after
 * them.
 *
 * @param tokens 1 or more token ids inside the vocabulary
 * @param logprobs one log-probability per token, or null when the request asked for none
 */
record StepTokens(int[] tokens, float[] logprobs) {

  StepTokens {
    if (tokens.length == 0) {
      throw new IllegalArgumentException("a step yields at least one token");
    }
    if (logprobs != null && logprobs.length != tokens.length) {
      throw new IllegalArgumentException(
          logprobs.length + " log-probabilities for " + tokens.length + " tokens");
    }
  }

  static StepTokens one(int token, Float logprob) {
    return new StepTokens(new int[] {token}, logprob == null ? null : new float[] {logprob});
  }

  int last() {
    return tokens[tokens.length - 1];
  }

  int size() {
    return tokens.length;
  }
}
