package dev.edgesplit.cloud;

import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.InlineStepExecutor;
import dev.edgesplit.cloud.compute.SamplerFactory;
import dev.edgesplit.cloud.compute.StepExecutor;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.cloud.metrics.CloudStepListener;
import dev.edgesplit.cloud.rpc.CloudServiceImpl;
import dev.edgesplit.cloud.rpc.WireLimits;
import dev.edgesplit.cloud.security.ListenerSecurity;
import dev.edgesplit.cloud.session.SessionRegistry;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud worker process: a gRPC server with {@code CloudService}, health and reflection, over a
 * {@link CloudCompute}. The compute is owned by the caller (main), which closes it after this worker.
 */
public final class CloudWorker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CloudWorker.class);

  private final CloudConfig config;
  private final CloudCompute compute;
  private final SamplerFactory samplers;
  private final StepEnergy energy;
  private final CloudStepListener listener;
  private final HealthStatusManager health = new HealthStatusManager();
  // Read without the lock by sessions(), which must answer while close() holds the lock during a drain.
  private volatile SessionRegistry registry;
  private StepExecutor steps;
  private Server server;
  private boolean closed;

  public CloudWorker(CloudConfig config, CloudCompute compute, SamplerFactory samplers, StepEnergy energy) {
    this(config, compute, samplers, energy, CloudStepListener.NONE);
  }

  /** @param listener told about every step the worker runs (metrics, energy log) */
  public CloudWorker(CloudConfig config, CloudCompute compute, SamplerFactory samplers, StepEnergy energy,
      CloudStepListener listener) {
    this.listener = listener;
    this.config = config;
    this.compute = compute;
    this.samplers = samplers;
    this.energy = energy;
  }

  /** Binds the port and starts serving. */
  public synchronized CloudWorker start() {
    if (server != null) {
      throw new IllegalStateException("cloud worker already started");
    }
    InetSocketAddress address = ListenerSecurity.bindAddress(config.listen(), config.tls());
    ServerCredentials credentials = ListenerSecurity.credentials(config.tls());
    int maxContext = compute.info().maxContext();
    int framePositions = config.limits().maxFramePositions() == 0
        ? maxContext : Math.min(maxContext, config.limits().maxFramePositions());
    WireLimits limits = WireLimits.forModel(compute.info().dim(), framePositions, config.limits().maxProbeBytes());
    registry = new SessionRegistry(compute, samplers, config.limits().kvBudgetBytes(),
        config.limits().maxSessions(), config.limits().idleTtl(), System::nanoTime);
    registry.start();
    steps = new InlineStepExecutor(config.runtime().stepThreads(), config.runtime().stepQueue(),
        config.drainTimeout());
    CloudServiceImpl service = new CloudServiceImpl(compute, registry, steps, energy, limits,
        Clock.systemUTC(), System::nanoTime, listener);
    try {
      server = NettyServerBuilder.forAddress(address, credentials)
          .maxInboundMessageSize(limits.maxInboundBytes())
          .addService(service)
          .addService(health.getHealthService())
          .addService(ProtoReflectionServiceV1.newInstance())
          .build()
          .start();
    } catch (IOException e) {
      steps.close();
      registry.close();
      throw new UncheckedIOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(CloudServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    LOG.info("cloud worker serving cut {} of model {} on {}:{} ({}, max inbound {} bytes)", compute.info().cut(),
        compute.info().fingerprint(), address.getHostString(), port(),
        config.tls().mutual() ? "mutual TLS" : config.tls().enabled() ? "TLS" : "plaintext",
        limits.maxInboundBytes());
    return this;
  }

  /** The bound port (useful with port 0). */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("cloud worker not started");
    }
    return server.getPort();
  }

  /** Live sessions, for tests and metrics; answers during a drain too (not blocked by {@link #close()}). */
  public SessionRegistry sessions() {
    return registry;
  }

  /** Waits until the server has terminated. */
  public void blockUntilShutdown() throws InterruptedException {
    Server s;
    synchronized (this) {
      s = server;
    }
    if (s != null) {
      s.awaitTermination();
    }
  }

  /** Reports NOT_SERVING, lets streams drain up to the drain timeout, then cancels the rest. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed || server == null) {
      closed = true;
      return;
    }
    closed = true;
    health.enterTerminalState();
    registry.drain();
    server.shutdown();
    try {
      if (!server.awaitTermination(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      steps.close();
      registry.close();
    }
  }
}
