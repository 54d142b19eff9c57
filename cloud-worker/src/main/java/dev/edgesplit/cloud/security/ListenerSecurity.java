package dev.edgesplit.cloud.security;

import dev.edgesplit.cloud.config.CloudConfig;
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
 * Decides how the worker's segment listener is secured. A loopback address may serve plaintext; any
 * other address needs mutual TLS ({@code tls.enabled} with {@code tls.client_ca}: only edge agents
 * holding a certificate from that CA get in), unless {@code insecure: true}, which is logged loudly
 * at every start. Stateless.
 */
public final class ListenerSecurity {

  private static final Logger LOG = LoggerFactory.getLogger(ListenerSecurity.class);

  private ListenerSecurity() {}

  /** The resolved bind address after the policy check. */
  public static InetSocketAddress bindAddress(CloudConfig.Listen listen, CloudConfig.Tls tls) {
    InetAddress host;
    try {
      host = InetAddress.getByName(listen.host());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("listen.host '" + listen.host() + "' does not resolve", e);
    }
    if (!host.isLoopbackAddress() && !tls.mutual()) {
      if (!listen.insecure()) {
        throw new IllegalArgumentException(
            "listen.host "
                + listen.host()
                + " is not a loopback address: configure "
                + "mutual TLS (tls.enabled, tls.cert, tls.key, tls.client_ca) or set insecure: true to serve it "
                + (tls.enabled() ? "to any client" : "in plaintext"));
      }
      LOG.warn(
          "INSECURE: serving the segment service on non-loopback address {} {}; anyone who can reach it may "
              + "use this worker",
          listen.host(),
          tls.enabled() ? "without client certificates" : "in PLAINTEXT");
    }
    return new InetSocketAddress(host, listen.port());
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
  public static ServerCredentials credentials(CloudConfig.Tls tls) {
    if (!tls.enabled()) {
      return InsecureServerCredentials.create();
    }
    return TlsFiles.server(
        new Pem("tls.cert", tls.cert()),
        new Pem("tls.key", tls.key()),
        tls.clientCa() == null ? null : new Pem("tls.client_ca", tls.clientCa()),
        true);
  }
}
