package dev.edgesplit.server.config;

import java.util.Objects;

/**
 * Where a server listens (keys {@code listen.host}, {@code listen.port}, {@code insecure}).
 *
 * @param host interface to bind; a non-loopback address needs the app's protection unless {@code
 *     insecure}
 * @param port TCP port, 0 for any free port
 * @param insecure (key {@code insecure}) allow a non-loopback address without that protection
 *     (logged loudly)
 */
public record Listen(String host, int port, boolean insecure) {
  public Listen {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("listen.port must be in [0, 65535], got " + port);
    }
  }
}
