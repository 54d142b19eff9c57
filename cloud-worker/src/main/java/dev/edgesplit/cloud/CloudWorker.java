package dev.edgesplit.cloud;

import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.InlineStepExecutor;
import dev.edgesplit.cloud.compute.SamplerFactory;
import dev.edgesplit.cloud.compute.StepExecutor;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.cloud.metrics.CloudStepListener;
import dev.edgesplit.cloud.rpc.CloudServiceImpl;
import dev.edgesplit.cloud.rpc.WireLimits;
import dev.edgesplit.cloud.security.ListenerSecurity;
import dev.edgesplit.cloud.session.SessionRegistry;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.server.lifecycle.GrpcServing;
import io.grpc.BindableService;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.net.InetSocketAddress;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud worker process: a gRPC server with {@code CloudService}, health and reflection, over a
 * {@link CloudCompute}, plus (with {@code health.listen}) a plaintext listener serving only health.
 * The compute is owned by the caller (main), which closes it after this worker.
 */
public final class CloudWorker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CloudWorker.class);

  private final CloudConfig config;
  private final CloudCompute compute;
  private final SamplerFactory samplers;
  private final StepEnergy energy;
  private final CloudStepListener listener;
  private final GrpcServing serving = new GrpcServing("cloud worker");
  // Read without the lock by sessions(), which must answer while close() holds the lock during a
  // drain.
  private volatile SessionRegistry registry;
  private StepExecutor steps;

  public CloudWorker(
      CloudConfig config, CloudCompute compute, SamplerFactory samplers, StepEnergy energy) {
    this(config, compute, samplers, energy, CloudStepListener.NONE);
  }

  /**
   * @param listener told about every step the worker runs (metrics, energy log)
   */
  public CloudWorker(
      CloudConfig config,
      CloudCompute compute,
      SamplerFactory samplers,
      StepEnergy energy,
      CloudStepListener listener) {
    this.listener = listener;
    this.config = config;
    this.compute = compute;
    this.samplers = samplers;
    this.energy = energy;
  }

  /** Binds the port and starts serving. */
  public synchronized CloudWorker start() {
    serving.checkNotStarted();
    InetSocketAddress address = ListenerSecurity.bindAddress(config.listen(), config.tls());
    ServerCredentials credentials = ListenerSecurity.credentials(config.tls());
    int maxContext = compute.info().maxContext();
    int framePositions =
        config.limits().maxFramePositions() == 0
            ? maxContext
            : Math.min(maxContext, config.limits().maxFramePositions());
    WireLimits limits =
        WireLimits.forModel(compute.info().dim(), framePositions, config.limits().maxProbeBytes());
    registry =
        new SessionRegistry(
            compute,
            samplers,
            config.limits().kvBudgetBytes(),
            config.limits().maxSessions(),
            config.limits().idleTtl(),
            System::nanoTime);
    registry.start();
    steps =
        new InlineStepExecutor(
            config.runtime().stepThreads(), config.runtime().stepQueue(), config.drainTimeout());
    CloudServiceImpl service =
        new CloudServiceImpl(
            compute,
            registry,
            steps,
            energy,
            limits,
            Clock.systemUTC(),
            System::nanoTime,
            listener);
    try {
      serving.start(
          NettyServerBuilder.forAddress(address, credentials)
              .maxInboundMessageSize(limits.maxInboundBytes())
              .addService(service)
              .addService(serving.healthService())
              .addService(ProtoReflectionServiceV1.newInstance())
              // The older v1alpha reflection too: grpcurl before 1.8.8 and other clients speak only
              // that.
              .addService(reflectionV1Alpha()),
          address,
          CloudServiceGrpc.SERVICE_NAME,
          ListenerSecurity.healthAddress(config.healthListen()));
    } catch (RuntimeException e) {
      steps.close();
      registry.close();
      throw e;
    }
    LOG.info(
        "cloud worker serving cut {} of model {} on {}:{} ({}, max inbound {} bytes)",
        compute.info().cut(),
        compute.info().fingerprint(),
        address.getHostString(),
        port(),
        config.tls().mutual() ? "mutual TLS" : config.tls().enabled() ? "TLS" : "plaintext",
        limits.maxInboundBytes());
    return this;
  }

  @SuppressWarnings("deprecation")
  private static BindableService reflectionV1Alpha() {
    return ProtoReflectionService.newInstance();
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return serving.port();
  }

  /** The bound port of the health-only listener, or -1 without {@code health.listen}. */
  public int healthPort() {
    return serving.healthPort();
  }

  /**
   * Live sessions, for tests and metrics; answers during a drain too (not blocked by {@link
   * #close()}).
   */
  public SessionRegistry sessions() {
    return registry;
  }

  /** Waits until the server has terminated. */
  public void blockUntilShutdown() throws InterruptedException {
    serving.blockUntilShutdown();
  }

  /**
   * Reports NOT_SERVING, lets streams drain up to the drain timeout, then cancels the rest.
   * Idempotent.
   */
  @Override
  public synchronized void close() {
    if (!serving.beginClose()) {
      return;
    }
    registry.drain();
    serving.shutdown();
    try {
      serving.awaitDrain(config.drainTimeout());
      serving.finishClose();
    } catch (InterruptedException e) {
      serving.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      steps.close();
      registry.close();
    }
  }
}
