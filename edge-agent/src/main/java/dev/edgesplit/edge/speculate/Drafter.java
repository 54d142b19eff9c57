package dev.edgesplit.edge.speculate;

/**
 * One generation's source of draft tokens. Used by the generation's thread only; close it when the
 * generation ends.
 */
public interface Drafter extends AutoCloseable {

  /**
   * Guesses up to {@code max} tokens that follow {@code history}.
   *
   * @param history every token so far: the prompt, then the generated tokens; the last one has not
   *     been run through the edge layers yet
   * @param max most tokens to draft, >= 1
   */
  Draft propose(TokenHistory history, int max);

  @Override
  default void close() {}
}
