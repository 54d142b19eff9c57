package dev.edgesplit.cloud.security;

import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.server.config.Listen;
import dev.edgesplit.server.config.ServerTls;
import dev.edgesplit.server.security.ListenerPolicy;
import io.grpc.ServerCredentials;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Decides how the worker's segment listener is secured. A loopback address may serve plaintext; any
 * other address needs mutual TLS ({@code tls.enabled} with {@code tls.client_ca}: only edge agents
 * holding a certificate from that CA get in), unless {@code insecure: true}, which is logged loudly
 * at every start. Stateless.
 */
public final class ListenerSecurity {

  private ListenerSecurity() {}

  /** The resolved bind address after the policy check (mutual TLS, or insecure). */
  public static InetSocketAddress bindAddress(Listen listen, ServerTls tls) {
    return ListenerPolicy.bindAddress(
        listen,
        tls.mutual(),
        listen.insecure(),
        "configure mutual TLS (tls.enabled, tls.cert, tls.key, tls.client_ca) or set insecure: true"
            + " to serve it "
            + (tls.enabled() ? "to any client" : "in plaintext"),
        "serving the segment service on non-loopback address "
            + listen.host()
            + " "
            + (tls.enabled() ? "without client certificates" : "in PLAINTEXT")
            + "; anyone who can reach it may use this worker");
  }

  /**
   * The address of the health-only listener, or null for {@code health.listen: off}. It may be any
   * address without TLS: it serves nothing but grpc.health.v1.Health (no model traffic), for
   * Kubernetes and Docker probes that cannot present client certificates.
   */
  public static InetSocketAddress healthAddress(String healthListen) {
    if (CloudConfig.healthOff(healthListen)) {
      return null;
    }
    String text = healthListen.trim();
    int colon = text.lastIndexOf(':');
    String name = text.substring(0, colon);
    if (name.startsWith("[") && name.endsWith("]")) {
      name = name.substring(1, name.length() - 1);
    }
    try {
      return new InetSocketAddress(
          InetAddress.getByName(name), Integer.parseInt(text.substring(colon + 1)));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("health.listen host '" + name + "' does not resolve", e);
    }
  }

  /**
   * Plaintext when TLS is off, else TLS with the configured files (client certificate required with
   * a CA).
   */
  public static ServerCredentials credentials(ServerTls tls) {
    return ListenerPolicy.credentials(tls, true);
  }
}
