package dev.edgesplit.cli;

import java.util.Locale;

/** A {@code host:port} pair given on the command line. */
record HostPort(String host, int port) {

  HostPort {
    if (host.isBlank() || port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "bad address " + host + ":" + port + ": the port must be in [0, 65535]");
    }
  }

  /**
   * Parses {@code HOST:PORT}, {@code [IPv6]:PORT}, or the same after {@code http://} (gRPC is
   * HTTP/2; plaintext), with an optional trailing slash. Other schemes (https://: use HOST:PORT
   * with the TLS options) are refused.
   */
  static HostPort parse(String text) {
    String address = text.strip();
    int scheme = address.indexOf("://");
    if (scheme >= 0) {
      String name = address.substring(0, scheme).toLowerCase(Locale.ROOT);
      if (!name.equals("http")) {
        throw new IllegalArgumentException(
            "expected HOST:PORT or http://HOST:PORT, got '"
                + text
                + "'"
                + (name.equals("https")
                    ? " (for TLS give HOST:PORT and the --tls-* options)"
                    : ""));
      }
      address = address.substring(scheme + 3);
      if (address.endsWith("/")) {
        address = address.substring(0, address.length() - 1);
      }
      if (address.contains("/")) {
        throw new IllegalArgumentException(
            "expected HOST:PORT or http://HOST:PORT without a path, got '" + text + "'");
      }
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new HostPort(host, Integer.parseInt(address.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "expected HOST:PORT, got '" + text + "': the port is not a number", e);
    }
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
