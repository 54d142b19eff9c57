package dev.edgesplit.edge;

import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.energy.StepEnergy;
import dev.edgesplit.edge.generate.CloudSessions;
import dev.edgesplit.edge.generate.GenerationSettings;
import dev.edgesplit.edge.link.CloudLink;
import dev.edgesplit.edge.link.CloudPool;
import dev.edgesplit.edge.link.LocalCloud;
import dev.edgesplit.edge.link.RetryPolicy;
import dev.edgesplit.edge.rpc.EdgeServiceImpl;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.HandshakeRequest;
import io.grpc.Channel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge agent process: a gRPC server with {@code EdgeService}, health and reflection. The edge chain,
 * tokenizer, cloud channels and the optional local fallback chain are created and closed by the caller
 * (main), after this agent is closed.
 */
public final class EdgeAgent implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EdgeAgent.class);

  /** Wire protocol version the agent speaks. */
  public static final int PROTOCOL_VERSION = 1;

  private final EdgeConfig config;
  private final SegmentChain edge;
  private final String fingerprint;
  private final Tokenizer tokenizer;
  private final List<Channel> clouds;
  private final SegmentChain localCloud;
  private final StepEnergy energy;
  private final HealthStatusManager health = new HealthStatusManager();
  private ThreadPoolExecutor generations;
  private EdgeServiceImpl service;
  private Server server;
  private boolean closed;

  /**
   * @param edge        embedding + layers [0, config.cut()) of the compiled model
   * @param fingerprint the compiled model's fingerprint, checked against the worker's at handshake
   */
  public EdgeAgent(EdgeConfig config, SegmentChain edge, String fingerprint, Tokenizer tokenizer, Channel cloud,
      StepEnergy energy) {
    this(config, edge, fingerprint, tokenizer, List.of(cloud), null, energy);
  }

  /**
   * @param clouds     one channel per worker of {@code config.cloud().targets()}, in the same order
   * @param localCloud layers [cut, N) + head opened on the board for {@code cloud.fallback=local}, else null
   */
  public EdgeAgent(EdgeConfig config, SegmentChain edge, String fingerprint, Tokenizer tokenizer,
      List<Channel> clouds, SegmentChain localCloud, StepEnergy energy) {
    if (clouds.size() != config.cloud().targets().size()) {
      throw new IllegalArgumentException(clouds.size() + " cloud channels for the " + config.cloud().targets().size()
          + " workers of cloud.target " + config.cloud().targets());
    }
    if (config.recovery().fallback() == EdgeConfig.Fallback.LOCAL && localCloud == null) {
      throw new IllegalArgumentException("cloud.fallback=local needs the cloud layers opened on the board");
    }
    this.config = config;
    this.edge = edge;
    this.fingerprint = fingerprint;
    this.tokenizer = tokenizer;
    this.clouds = List.copyOf(clouds);
    this.localCloud = config.recovery().fallback() == EdgeConfig.Fallback.LOCAL ? localCloud : null;
    this.energy = energy;
  }

  /** Binds the port and starts serving; the cloud handshake happens at the first Generate. */
  public synchronized EdgeAgent start() {
    if (server != null) {
      throw new IllegalStateException("edge agent already started");
    }
    if (edge.endLayer() != config.cut() || !edge.takesTokens()) {
      throw new IllegalArgumentException("edge chain runs layers [" + edge.firstLayer() + ", " + edge.endLayer()
          + ") but model.cut is " + config.cut());
    }
    InetSocketAddress address = bindAddress(config.listen());
    HandshakeRequest hello = HandshakeRequest.newBuilder()
        .setProtocolVersion(PROTOCOL_VERSION)
        .setModelFingerprint(fingerprint)
        .setCut(config.cut())
        .setHiddenDtype(config.cloud().hiddenDtype())
        .setMaxContext(edge.maxContext())
        .build();
    List<CloudLink> links = new ArrayList<>();
    for (int i = 0; i < clouds.size(); i++) {
      links.add(new CloudLink(config.cloud().targets().get(i), clouds.get(i), hello,
          config.cloud().handshakeTimeout()));
    }
    EdgeConfig.Recovery recovery = config.recovery();
    AtomicInteger n = new AtomicInteger();
    generations = new ThreadPoolExecutor(config.generate().maxConcurrent(), config.generate().maxConcurrent(),
        0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(config.generate().queue()), r -> {
          Thread t = new Thread(r, "edge-generate-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    GenerationSettings settings = new GenerationSettings(config.cloud().hiddenDtype(), config.cloud().stepTimeout(),
        config.cloud().sessionDeadline());
    CloudSessions sessions = new CloudSessions(new CloudPool(links),
        new RetryPolicy(recovery.initialBackoff(), recovery.maxBackoff(), recovery.deadline()),
        localCloud == null ? null : new LocalCloud(localCloud), settings);
    service = new EdgeServiceImpl(edge, tokenizer, sessions, settings, energy, generations);
    try {
      server = NettyServerBuilder.forAddress(address)
          // A Generate request is a prompt and a few numbers: a context's worth of text is plenty.
          .maxInboundMessageSize(Math.max(64 << 10, edge.maxContext() * 64 + 4096))
          .addService(service)
          .addService(health.getHealthService())
          .addService(ProtoReflectionServiceV1.newInstance())
          .build()
          .start();
    } catch (IOException e) {
      generations.shutdownNow();
      throw new UncheckedIOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(EdgeServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    LOG.info("edge agent serving cut {} on {}:{}, cloud workers {}, fallback {}", config.cut(),
        address.getHostString(), port(), config.cloud().targets(), recovery.fallback());
    return this;
  }

  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("edge agent not started");
    }
    return server.getPort();
  }

  public void blockUntilShutdown() throws InterruptedException {
    Server s;
    synchronized (this) {
      s = server;
    }
    if (s != null) {
      s.awaitTermination();
    }
  }

  /** Reports NOT_SERVING, lets generations finish up to the drain timeout, then cancels them. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed || server == null) {
      closed = true;
      return;
    }
    closed = true;
    health.enterTerminalState();
    service.drain();
    server.shutdown();
    generations.shutdown();
    try {
      long deadline = System.nanoTime() + config.drainTimeout().toNanos();
      if (!server.awaitTermination(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
      }
      long left = Math.max(0, deadline - System.nanoTime());
      if (!generations.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        generations.shutdownNow();
      }
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      server.shutdownNow();
      generations.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static InetSocketAddress bindAddress(EdgeConfig.Listen listen) {
    InetAddress host;
    try {
      host = InetAddress.getByName(listen.host());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("listen.host '" + listen.host() + "' does not resolve", e);
    }
    if (!host.isLoopbackAddress()) {
      if (!listen.insecure()) {
        throw new IllegalArgumentException("listen.host " + listen.host() + " is not loopback; TLS is not "
            + "implemented yet, so set listen.insecure=true to serve it in plaintext");
      }
      LOG.warn("INSECURE: serving plaintext gRPC on non-loopback address {}", listen.host());
    }
    return new InetSocketAddress(host, listen.port());
  }
}
