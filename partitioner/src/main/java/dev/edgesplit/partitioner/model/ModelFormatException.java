package dev.edgesplit.partitioner.model;

/**
 * A model file that cannot be imported: truncated, wrong header, missing tensor, shape mismatch.
 */
public class ModelFormatException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
