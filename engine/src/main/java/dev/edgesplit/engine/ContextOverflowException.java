package dev.edgesplit.engine;

/** A run would write past the end of the session's KV cache. */
public final class ContextOverflowException extends EngineException {

  private static final long serialVersionUID = 1L;

  public ContextOverflowException(int position, int tokens, int maxContext) {
    super(
        "positions "
            + position
            + ".."
            + (position + tokens - 1)
            + " exceed the context of "
            + maxContext);
  }
}
