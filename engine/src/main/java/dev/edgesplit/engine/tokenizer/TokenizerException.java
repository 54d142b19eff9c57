package dev.edgesplit.engine.tokenizer;

/**
 * A tokenizer file cannot be read or is malformed; the message names the file and what is wrong.
 */
public final class TokenizerException extends dev.edgesplit.engine.EngineException {

  private static final long serialVersionUID = 1L;

  public TokenizerException(String message) {
    super(message);
  }

  public TokenizerException(String message, Throwable cause) {
    super(message, cause);
  }
}
