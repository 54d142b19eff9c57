package dev.edgesplit.proto.tensor;

/**
 * A hidden-state tensor on the wire is malformed: wrong shape, dtype, byte count, scale or values.
 */
public final class InvalidTensorException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public InvalidTensorException(String message) {
    super(message);
  }
}
