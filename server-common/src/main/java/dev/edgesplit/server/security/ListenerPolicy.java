package dev.edgesplit.server.security;

import dev.edgesplit.server.config.Listen;
import dev.edgesplit.server.config.ServerTls;
import dev.edgesplit.server.tls.TlsFiles;
import dev.edgesplit.server.tls.TlsFiles.Pem;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener rule both servers follow: loopback may serve as configured; any other address needs
 * the app's protection, unless {@code insecure}, which is logged loudly at every start. The apps
 * say what protection means (mutual TLS for the worker; server TLS and client authentication for
 * the edge agent). Stateless.
 */
public final class ListenerPolicy {

  private static final Logger LOG = LoggerFactory.getLogger(ListenerPolicy.class);

  private ListenerPolicy() {}

  /**
   * The resolved bind address after the policy check.
   *
   * @param isProtected whether the listener has the app's protection
   * @param insecure whether the configuration allows an unprotected non-loopback listener
   * @param howToProtect what to configure, appended to the refusal
   * @param warning the line logged (after {@code INSECURE: }) when an unprotected listener is
   *     allowed
   * @throws IllegalArgumentException when the host does not resolve, or is unprotected and not
   *     allowed
   */
  public static InetSocketAddress bindAddress(
      Listen listen, boolean isProtected, boolean insecure, String howToProtect, String warning) {
    InetAddress host;
    try {
      host = InetAddress.getByName(listen.host());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("listen.host '" + listen.host() + "' does not resolve", e);
    }
    if (!host.isLoopbackAddress() && !isProtected) {
      if (!insecure) {
        throw new IllegalArgumentException(
            "listen.host " + listen.host() + " is not a loopback address: " + howToProtect);
      }
      LOG.warn("INSECURE: {}", warning);
    }
    return new InetSocketAddress(host, listen.port());
  }

  /**
   * Plaintext when TLS is off, else TLS with the configured files, asking for client certificates
   * when a client CA is set (and requiring one when {@code requireClientCert}).
   */
  public static ServerCredentials credentials(ServerTls tls, boolean requireClientCert) {
    if (!tls.enabled()) {
      return InsecureServerCredentials.create();
    }
    String k = tls.keys();
    return TlsFiles.server(
        new Pem(k + ".cert", tls.cert()),
        new Pem(k + ".key", tls.key()),
        tls.clientCa() == null ? null : new Pem(k + ".client_ca", tls.clientCa()),
        requireClientCert);
  }
}
