package dev.edgesplit.systest;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.compute.PerLayerCloudCompute;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.cloud.metrics.CloudStepListener;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A real cloud worker on a loopback port, serving the shared stories260K build (or a compute the
 * test gives it). {@code LoopbackWorker.at(2).start()} is a plain worker for cut 2 on any free
 * port.
 */
public final class LoopbackWorker implements AutoCloseable {

  private final CloudWorker worker;
  private final AutoCloseable compute;
  private final int port;
  private boolean closed;

  private LoopbackWorker(CloudWorker worker, AutoCloseable compute) {
    this.worker = worker;
    this.compute = compute;
    this.port = worker.port(); // kept: a stopped server no longer knows it
  }

  /** A worker whose sessions run from {@code cut} on (the default; see {@link Builder}). */
  public static Builder at(int cut) {
    return new Builder(cut);
  }

  /** A loopback port nothing listens on, as a worker that is down looks to an edge. */
  public static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The running server. */
  public CloudWorker server() {
    return worker;
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:port}, as an edge's {@code cloud.target} names it. */
  public String target() {
    return "127.0.0.1:" + port();
  }

  public int sessions() {
    return worker.sessions().activeSessions();
  }

  /** What the worker's health service says; NOT_SERVING once it cannot answer. */
  public HealthCheckResponse.ServingStatus health() {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port()).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(ch)
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance())
          .getStatus();
    } catch (StatusRuntimeException e) {
      return HealthCheckResponse.ServingStatus.NOT_SERVING;
    } finally {
      ch.shutdownNow();
    }
  }

  /** Drains and stops the worker; idempotent, so a test may stop it before try-with-resources. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      worker.close();
      try {
        compute.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing the worker's compute", e);
      }
    }
  }

  /** How the worker is built; every setting has the default the tests mostly want. */
  public static final class Builder {
    private final int cut;
    private int port;
    private final Map<String, String> config = new HashMap<>();
    private CompiledModel model;
    private boolean anyCut;
    private CloudCompute compute;
    private AutoCloseable owned = () -> {};
    private UnaryOperator<CloudCompute> wrap = UnaryOperator.identity();
    private CloudStepListener listener = CloudStepListener.NONE;

    private Builder(int cut) {
      this.cut = cut;
    }

    /** Listens on this port (default 0: any free one). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Worker settings over the defaults (as the YAML keys: {@code limits.idle_ttl_ms} ...). */
    public Builder config(Map<String, String> settings) {
      config.putAll(settings);
      return this;
    }

    /** Serves this model instead of the shared stories260K build. */
    public Builder model(CompiledModel model) {
      this.model = model;
      return this;
    }

    /** Serves every cut and U-shape an edge asks for (a per-layer compute), not only its own. */
    public Builder anyCut() {
      this.anyCut = true;
      return this;
    }

    /** Runs this compute, closing {@code owner} with the worker. */
    public Builder compute(CloudCompute compute, AutoCloseable owner) {
      this.compute = compute;
      this.owned = owner;
      return this;
    }

    /** Wraps the compute (a test holding a step, say). */
    public Builder wrap(UnaryOperator<CloudCompute> wrap) {
      this.wrap = wrap;
      return this;
    }

    /** Told about every step the worker runs (energy logs, metrics). */
    public Builder listener(CloudStepListener listener) {
      this.listener = listener;
      return this;
    }

    public LoopbackWorker start() {
      CompiledModel m = model == null ? CompiledStories.model() : model;
      if (compute == null) {
        if (anyCut) {
          PerLayerCloudCompute perLayer =
              new PerLayerCloudCompute(m, RuntimeOptions.defaults(), cut);
          compute(perLayer, perLayer);
        } else {
          SegmentChain chain = m.openCloud(cut, RuntimeOptions.defaults());
          compute(new ChainCloudCompute(chain, m.fingerprint()), chain);
        }
      }
      Map<String, String> settings =
          new HashMap<>(
              Map.of(
                  "listen.port",
                  String.valueOf(port),
                  "model.cut",
                  String.valueOf(cut),
                  "runtime.step_threads",
                  "2"));
      settings.putAll(config);
      CloudWorker worker =
          new CloudWorker(
                  CloudConfig.load(null, Map.of(), settings),
                  wrap.apply(compute),
                  new EngineSamplerFactory(),
                  StepEnergy.none(),
                  listener)
              .start();
      return new LoopbackWorker(worker, owned);
    }
  }
}
