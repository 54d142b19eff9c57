package dev.edgesplit.cloud.error;

/** The edge runs another protocol version, model, cut or dtype: FAILED_PRECONDITION. */
public final class IncompatiblePlanException extends CloudException {

  private static final long serialVersionUID = 1L;

  public IncompatiblePlanException(String message) {
    super(message);
  }
}
