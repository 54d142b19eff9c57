package dev.edgesplit.engine;

/**
 * Base of the engine's unchecked exceptions; ONNX Runtime failures are wrapped in it at the
 * boundary.
 */
public class EngineException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public EngineException(String message) {
    super(message);
  }

  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
