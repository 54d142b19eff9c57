package dev.edgesplit.server.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS of a listener (keys {@code KEYS.enabled}, {@code KEYS.cert}, {@code KEYS.key}, {@code
 * KEYS.client_ca}).
 *
 * @param keys the keys' prefix ({@code tls} for the cloud worker, {@code server_tls} for the edge
 *     agent), named in errors
 * @param enabled serve TLS (the files are ignored while false)
 * @param cert server certificate chain (PEM); required when enabled
 * @param key PKCS#8 PEM private key of {@code cert}; required when enabled
 * @param clientCa CA certificates (PEM) that sign accepted client certificates; null = none asked
 *     for
 */
public record ServerTls(String keys, boolean enabled, Path cert, Path key, Path clientCa) {
  public ServerTls {
    Objects.requireNonNull(keys, "keys");
    if (enabled && (cert == null || key == null)) {
      throw new IllegalArgumentException(
          keys + ".enabled=true needs " + keys + ".cert and " + keys + ".key");
    }
  }

  /**
   * Mutual TLS: the server asks for, and requires, a client certificate signed by {@code clientCa}.
   */
  public boolean mutual() {
    return enabled && clientCa != null;
  }
}
