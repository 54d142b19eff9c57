package dev.edgesplit.edge.security;

import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.config.EdgeConfig.AuthMode;
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
 * Decides how the Generate listener is secured. Loopback may serve plaintext without
 * authentication; any other address needs server TLS and an authentication mode, unless {@code
 * insecure: true}, which is logged loudly. Stateless.
 */
public final class ListenerSecurity {

  private static final Logger LOG = LoggerFactory.getLogger(ListenerSecurity.class);

  private ListenerSecurity() {}

  /** The resolved bind address after the policy check. */
  public static InetSocketAddress bindAddress(
      EdgeConfig.Listen listen, EdgeConfig.Security security) {
    InetAddress host;
    try {
      host = InetAddress.getByName(listen.host());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("listen.host '" + listen.host() + "' does not resolve", e);
    }
    boolean protectedListener =
        security.serverTls().enabled() && security.authMode() != AuthMode.NONE;
    if (!host.isLoopbackAddress() && !protectedListener) {
      if (!security.insecure()) {
        throw new IllegalArgumentException(
            "listen.host "
                + listen.host()
                + " is not a loopback address: configure "
                + "server_tls (enabled, cert, key) and auth.mode (token or client_cert), or set insecure: true");
      }
      LOG.warn(
          "INSECURE: serving Generate on non-loopback address {} {}",
          listen.host(),
          security.serverTls().enabled()
              ? "WITHOUT client authentication"
              : "in PLAINTEXT without authentication");
    }
    return new InetSocketAddress(host, listen.port());
  }

  /**
   * Plaintext when server TLS is off; else TLS, asking for client certificates when a client CA is
   * set (and requiring one with {@code auth.mode=client_cert}).
   */
  public static ServerCredentials credentials(EdgeConfig.Security security) {
    EdgeConfig.ServerTls tls = security.serverTls();
    if (!tls.enabled()) {
      return InsecureServerCredentials.create();
    }
    return TlsFiles.server(
        new Pem("server_tls.cert", tls.cert()),
        new Pem("server_tls.key", tls.key()),
        tls.clientCa() == null ? null : new Pem("server_tls.client_ca", tls.clientCa()),
        security.authMode() == AuthMode.CLIENT_CERT);
  }

  /**
   * The auth interceptor for the configured mode; for {@link AuthMode#TOKEN} it reads the token
   * file, and again whenever the file changes.
   */
  public static AuthInterceptor authInterceptor(EdgeConfig.Security security) {
    TokenFile tokens =
        security.authMode() == AuthMode.TOKEN ? TokenFile.open(security.tokensFile()) : null;
    if (tokens != null) {
      LOG.info(
          "Generate requires a bearer token: {} tokens loaded from {} (re-read when it changes)",
          tokens.size(),
          security.tokensFile());
    }
    return new AuthInterceptor(security.authMode(), tokens);
  }
}
