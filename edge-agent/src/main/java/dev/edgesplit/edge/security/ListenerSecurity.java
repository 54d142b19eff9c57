package dev.edgesplit.edge.security;

import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.config.EdgeConfig.AuthMode;
import dev.edgesplit.server.config.Listen;
import dev.edgesplit.server.security.ListenerPolicy;
import io.grpc.ServerCredentials;
import java.net.InetSocketAddress;
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

  /**
   * The resolved bind address after the policy check (server TLS and an auth mode, or insecure).
   */
  public static InetSocketAddress bindAddress(Listen listen, EdgeConfig.Security security) {
    boolean protectedListener =
        security.serverTls().enabled() && security.authMode() != AuthMode.NONE;
    return ListenerPolicy.bindAddress(
        listen,
        protectedListener,
        security.insecure(),
        "configure server_tls (enabled, cert, key) and auth.mode (token or client_cert), or set"
            + " insecure: true",
        "serving Generate on non-loopback address "
            + listen.host()
            + " "
            + (security.serverTls().enabled()
                ? "WITHOUT client authentication"
                : "in PLAINTEXT without authentication"));
  }

  /**
   * Plaintext when server TLS is off; else TLS, asking for client certificates when a client CA is
   * set (and requiring one with {@code auth.mode=client_cert}).
   */
  public static ServerCredentials credentials(EdgeConfig.Security security) {
    return ListenerPolicy.credentials(
        security.serverTls(), security.authMode() == AuthMode.CLIENT_CERT);
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
