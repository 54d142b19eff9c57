package dev.edgesplit.edge.security;

import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.server.tls.TlsFiles;
import dev.edgesplit.server.tls.TlsFiles.Pem;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the channels to the cloud workers ({@code cloud.target}, one or a list): TLS with the
 * configured CA and client certificate (mutual TLS) when {@code tls.enabled}, plaintext otherwise,
 * the same for every worker of the pool. Plaintext to a target that is not loopback carries the
 * prompt's hidden states in the clear, so it needs {@code insecure: true} and is logged loudly. The
 * caller owns (and shuts down) the built channels. Stateless.
 */
public final class CloudChannels {

  private static final Logger LOG = LoggerFactory.getLogger(CloudChannels.class);

  private CloudChannels() {}

  /**
   * Channels to every worker of {@code cloud.target}, in order, with the builder's default
   * executor.
   */
  public static List<ManagedChannel> open(EdgeConfig config) {
    // Every target passes the checks before any channel opens: a refused one must not leak the
    // others.
    List<NettyChannelBuilder> builders = new ArrayList<>();
    for (String target : config.cloud().targets()) {
      builders.add(builder(config, target));
    }
    List<ManagedChannel> channels = new ArrayList<>();
    for (NettyChannelBuilder b : builders) {
      channels.add(b.build());
    }
    return channels;
  }

  /**
   * A builder for the channel to one worker, its security set; the caller may tune it (executor,
   * message size).
   *
   * @param target one worker of {@code config.cloud().targets()}
   * @throws IllegalArgumentException when the target is not loopback and neither TLS nor insecure
   *     is set
   */
  public static NettyChannelBuilder builder(EdgeConfig config, String target) {
    EdgeConfig.CloudTls tls = config.security().cloudTls();
    ChannelCredentials credentials;
    if (tls.enabled()) {
      credentials =
          TlsFiles.channel(
              tls.ca() == null ? null : new Pem("tls.ca", tls.ca()),
              tls.cert() == null ? null : new Pem("tls.cert", tls.cert()),
              tls.key() == null ? null : new Pem("tls.key", tls.key()));
    } else {
      if (!isLoopback(target)) {
        if (!config.security().insecure()) {
          throw new IllegalArgumentException(
              "cloud.target "
                  + target
                  + " is not a loopback address: enable TLS "
                  + "(tls.enabled, tls.ca, tls.cert, tls.key) or set insecure: true");
        }
        LOG.warn("INSECURE: hidden states go to cloud worker {} in PLAINTEXT", target);
      }
      credentials = InsecureChannelCredentials.create();
    }
    // A dns:/// name of several workers (a headless Service): spread sessions over all of them;
    // each session's
    // stream stays on the worker it opened on.
    NettyChannelBuilder builder =
        NettyChannelBuilder.forTarget(target, credentials)
            .defaultLoadBalancingPolicy("round_robin");
    if (tls.enabled() && tls.serverNameOverride() != null) {
      builder.overrideAuthority(tls.serverNameOverride());
    }
    return builder;
  }

  /**
   * True when the target's host resolves to loopback addresses only; unresolvable counts as remote.
   */
  static boolean isLoopback(String target) {
    String host = hostOf(target);
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static String hostOf(String target) {
    String authority = target;
    if (target.contains("://")) {
      URI uri = URI.create(target);
      authority =
          uri.getPath() != null && uri.getPath().length() > 1
              ? uri.getPath().substring(1)
              : uri.getAuthority();
    }
    if (authority.startsWith("[")) {
      return authority.substring(1, authority.indexOf(']'));
    }
    int colon = authority.lastIndexOf(':');
    return colon < 0 ? authority : authority.substring(0, colon);
  }
}
