package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.compute.PerLayerCloudCompute;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.EdgeSlowdown;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.testkit.SharedModels;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/** Real stories260K cloud workers and edge agents on loopback port 0, for the fault tests. */
final class Harness {

  static final String REFERENCE = Stories260k.REFERENCE;
  static final String PROMPT = Stories260k.PROMPT;

  private static CompiledModel compiled;
  private static Tokenizer tokenizer;

  private Harness() {}

  /** The model compiled once per JVM (fp32, one segment per layer, so every cut can be opened). */
  static synchronized CompiledModel model() {
    if (compiled == null) {
      Path checkpoint = SharedModels.require("stories260K/stories260K.bin");
      try {
        Path dir = Files.createTempDirectory("edgesplit-fault-model");
        compiled =
            new Compiler(
                    new CompileOptions(
                        null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
                .compile(ModelImporter.load(checkpoint), dir);
        tokenizer = Tokenizers.load(compiled.tokenizerFile());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return compiled;
  }

  /** The request whose greedy output is {@link #REFERENCE} (100 positions in all). */
  static GenerateRequest referenceRequest() {
    model();
    int promptTokens = tokenizer.encode(PROMPT, true).length;
    return GenerateRequest.newBuilder()
        .setText(PROMPT)
        .setMaxNewTokens(100 - promptTokens + 1)
        .build();
  }

  record Result(String text, GenerationSummary summary) {}

  /** Streams one generation, calling {@code onToken} with each token's index as it arrives. */
  static Result generate(Channel edge, GenerateRequest request, IntConsumer onToken) {
    StringBuilder text = new StringBuilder();
    GenerationSummary summary = null;
    Iterator<GenerateResponse> it =
        EdgeServiceGrpc.newBlockingStub(edge)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .generate(request);
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      assertThat(summary).as("nothing may follow the summary").isNull();
      if (r.hasToken()) {
        text.append(r.getToken().getText());
        onToken.accept(r.getToken().getIndex());
      } else {
        summary = r.getSummary();
      }
    }
    assertThat(summary).as("summary").isNotNull();
    return new Result(text.toString(), summary);
  }

  /**
   * Runs {@code generation} until {@code gate} holds a step on {@code worker}, stops that worker,
   * and returns the generation's result once the rest of it ran elsewhere; the gate opens after it.
   */
  static Result stopWhileHeld(StepGate gate, Worker worker, Supplier<Result> generation)
      throws Exception {
    CompletableFuture<Result> run = CompletableFuture.supplyAsync(generation);
    gate.awaitReached();
    CompletableFuture<Void> stop = CompletableFuture.runAsync(worker::close);
    Result r = run.get(60, TimeUnit.SECONDS);
    gate.release();
    stop.get(30, TimeUnit.SECONDS);
    return r;
  }

  static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /**
   * A cloud worker for one cut (or, with a per-layer compute, any cut) on a loopback port (0: any
   * free port).
   */
  static final class Worker implements AutoCloseable {
    final CloudWorker worker;
    private final AutoCloseable compute;
    private final int port;
    private boolean closed;

    Worker(int cut, int port, Map<String, String> config) {
      this(cut, port, config, null);
    }

    /**
     * @param gate holds one step of this worker, or null
     */
    Worker(int cut, int port, Map<String, String> config, StepGate gate) {
      this(cut, port, config, gate, false);
    }

    /**
     * @param cut the worker's configured cut (sessions whose first frame names none run there)
     * @param gate holds one step of this worker, or null
     * @param anyCut serve every cut an edge asks for (per-layer compute), not only {@code cut}
     */
    Worker(int cut, int port, Map<String, String> config, StepGate gate, boolean anyCut) {
      CloudCompute c;
      if (anyCut) {
        PerLayerCloudCompute perLayer =
            new PerLayerCloudCompute(model(), RuntimeOptions.defaults(), cut);
        compute = perLayer;
        c = perLayer;
      } else {
        SegmentChain chain = model().openCloud(cut, RuntimeOptions.defaults());
        compute = chain;
        c = new ChainCloudCompute(chain, model().fingerprint());
      }
      Map<String, String> cfg =
          new HashMap<>(
              Map.of(
                  "listen.port",
                  String.valueOf(port),
                  "model.cut",
                  String.valueOf(cut),
                  "runtime.step_threads",
                  "2"));
      cfg.putAll(config);
      worker =
          new CloudWorker(
                  CloudConfig.load(null, Map.of(), cfg),
                  gate == null ? c : gate.wrap(c),
                  new EngineSamplerFactory(),
                  dev.edgesplit.server.energy.StepEnergy.none())
              .start();
      this.port = worker.port();
    }

    int port() {
      return port;
    }

    /**
     * What the worker's health service says about the whole server; NOT_SERVING once it cannot
     * answer.
     */
    HealthCheckResponse.ServingStatus health() {
      ManagedChannel ch = channel(port);
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

    int sessions() {
      return worker.sessions().activeSessions();
    }

    /**
     * Drains and stops the worker (idempotent: a test may stop it before try-with-resources does).
     */
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
  }

  /**
   * An edge agent for one cut, its cloud channels (one per target port) and a client channel to it.
   */
  static final class Agent implements AutoCloseable {
    final SegmentChain chain;
    final SegmentChain localCloud;
    final List<ManagedChannel> clouds = new ArrayList<>();
    final EdgeAgent agent;
    final ManagedChannel client;

    Agent(int cut, List<Integer> cloudPorts, Map<String, String> config) {
      this(cut, cloudPorts, config, StepListener.NONE);
    }

    /**
     * @param listener told about steps, summaries and every call's outcome (metrics)
     */
    Agent(int cut, List<Integer> cloudPorts, Map<String, String> config, StepListener listener) {
      List<String> targets = new ArrayList<>();
      for (int p : cloudPorts) {
        targets.add("127.0.0.1:" + p);
        clouds.add(channel(p));
      }
      Map<String, String> c =
          new HashMap<>(
              Map.of(
                  "listen.port",
                  "0",
                  "model.cut",
                  String.valueOf(cut),
                  "cloud.hidden_dtype",
                  "fp32",
                  "cloud.target",
                  String.join(",", targets)));
      c.putAll(config);
      EdgeConfig cfg = EdgeConfig.load(null, Map.of(), c);
      chain = model().openEdge(cut, RuntimeOptions.defaults());
      localCloud =
          cfg.recovery().fallback() == EdgeConfig.Fallback.LOCAL
              ? model().openCloud(cut, RuntimeOptions.defaults())
              : null;
      agent =
          new EdgeAgent(
              cfg,
              EdgeChains.fixed(chain, localCloud),
              model().fingerprint(),
              tokenizer,
              List.<Channel>copyOf(clouds),
              new StepHooks(StepEnergy.none(), listener, EdgeSlowdown.none()));
      agent.start();
      client = channel(agent.port());
    }

    Result generate(IntConsumer onToken) {
      return Harness.generate(client, referenceRequest(), onToken);
    }

    @Override
    public void close() throws InterruptedException {
      client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      agent.close();
      for (ManagedChannel ch : clouds) {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      chain.close();
      if (localCloud != null) {
        localCloud.close();
      }
    }
  }
}
