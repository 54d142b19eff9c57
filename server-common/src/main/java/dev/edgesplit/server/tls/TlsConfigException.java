package dev.edgesplit.server.tls;

/**
 * TLS files that are missing, unreadable or not what their configuration key says. Names paths,
 * never contents.
 */
public final class TlsConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public TlsConfigException(String message) {
    super(message);
  }
}
