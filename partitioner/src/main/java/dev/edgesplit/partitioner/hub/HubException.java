package dev.edgesplit.partitioner.hub;

/**
 * A model that cannot be fetched from the Hub or found in its cache; the message says what and why.
 */
public class HubException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public HubException(String message) {
    super(message);
  }

  public HubException(String message, Throwable cause) {
    super(message, cause);
  }
}
