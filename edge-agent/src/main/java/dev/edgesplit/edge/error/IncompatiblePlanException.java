package dev.edgesplit.edge.error;

/** The cloud worker serves another protocol, model, cut or context: FAILED_PRECONDITION. */
public final class IncompatiblePlanException extends EdgeException {

  private static final long serialVersionUID = 1L;

  public IncompatiblePlanException(String message) {
    super(message);
  }
}
