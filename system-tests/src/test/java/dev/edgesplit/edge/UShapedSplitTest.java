package dev.edgesplit.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.compute.PerLayerCloudCompute;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.cloud.metrics.BatchMetrics;
import dev.edgesplit.cloud.metrics.CloudEnergyLogListener;
import dev.edgesplit.cloud.metrics.CloudMetrics;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.engine.energy.EnergyLog;
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
import dev.edgesplit.proto.Protocol;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.testkit.SharedModels;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * The U-shaped split over real loopback sockets: the worker runs only layers [k, m) of the real
 * stories260K model and sends hidden states back; the edge runs [0, k), [m, N), the head and
 * sampling.
 */
class UShapedSplitTest {

  @TempDir static Path dir;
  static CompiledModel compiled;
  static Tokenizer tokenizer;
  static PerLayerCloudCompute compute;
  static CloudWorker worker;
  static CloudMetrics metrics;
  static final List<String> energyLines = Collections.synchronizedList(new ArrayList<>());

  /** A batching worker over the same build ({@code cloud --return-cut M --batch N}). */
  static BatchingCloudCompute batchingCompute;

  static CloudWorker batchingWorker;
  static CloudMetrics batchingMetrics;
  static final List<String> batchingEnergyLines = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() throws Exception {
    compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
            .compile(ModelImporter.load(SharedModels.require("stories260K")), dir);
    tokenizer = Tokenizers.load(compiled.tokenizerFile());
    compute = new PerLayerCloudCompute(compiled, RuntimeOptions.defaults(), 1);
    metrics = new CloudMetrics(() -> 1, () -> 0, () -> 0L, Optional.empty());
    CloudEnergyLogListener energyLog = new CloudEnergyLogListener(new EnergyLog(energyLines::add));
    worker =
        new CloudWorker(
                CloudConfig.load(
                    null,
                    Map.of(),
                    Map.of("listen.port", "0", "model.cut", "1", "runtime.step_threads", "2")),
                compute,
                new EngineSamplerFactory(),
                StepEnergy.none(),
                step -> {
                  metrics.onStep(step);
                  energyLog.onStep(step);
                })
            .start();
    batchingCompute = BatchingCloudCompute.forModel(compiled, RuntimeOptions.defaults(), 1, 5, 4);
    batchingMetrics = new CloudMetrics(() -> 1, () -> 0, () -> 0L, Optional.empty());
    BatchMetrics.bindTo(batchingMetrics.registry(), batchingCompute);
    CloudEnergyLogListener batchingLog =
        new CloudEnergyLogListener(new EnergyLog(batchingEnergyLines::add));
    batchingWorker =
        new CloudWorker(
                CloudConfig.load(
                    null,
                    Map.of(),
                    Map.of("listen.port", "0", "model.cut", "1", "runtime.step_threads", "6")),
                batchingCompute,
                new EngineSamplerFactory(),
                StepEnergy.none(),
                step -> {
                  batchingMetrics.onStep(step);
                  batchingLog.onStep(step);
                })
            .start();
  }

  @AfterAll
  static void stop() {
    worker.close();
    compute.close();
    batchingWorker.close();
    batchingCompute.close();
  }

  static Stream<Arguments> ranges() {
    return IntStream.range(0, 5)
        .boxed()
        .flatMap(k -> IntStream.rangeClosed(k + 1, 5).mapToObj(m -> Arguments.of(k, m)));
  }

  @ParameterizedTest(name = "worker runs [{0}, {1})")
  @MethodSource("ranges")
  void greedyText_equalsLlama2cReference_forEveryRange(int k, int m) throws Exception {
    try (Edge edge = new Edge(k, m)) {
      int promptTokens = tokenizer.encode(Stories260k.PROMPT, true).length;
      Result r = edge.generate(Stories260k.PROMPT, 100 - promptTokens + 1);
      assertThat(Stories260k.PROMPT + r.text).isEqualTo(Stories260k.REFERENCE);
      assertThat(r.summary.getCut()).isEqualTo(k);
      if (m < 5) {
        assertThat(r.summary.getReturnCut()).isEqualTo(m);
        // fp32 rows of 64 floats, both ways: every position goes out at h_k and comes back at h_m.
        assertThat(r.summary.getBytesReceivedPerToken())
            .isEqualTo(r.summary.getBytesSentPerToken())
            .isPositive();
        assertThat(edge.frames)
            .isNotEmpty()
            .allSatisfy(
                f -> {
                  assertThat(f.hasSampling()).as("sampling stays on the board").isFalse();
                  assertThat(f.getReturnCut()).isEqualTo(m);
                });
        assertThat(edge.replies)
            .hasSameSizeAs(edge.frames)
            .allSatisfy(
                reply -> {
                  assertThat(reply.getHasToken()).isFalse();
                  assertThat(reply.getTokenId()).isZero();
                  assertThat(reply.hasLogprob()).isFalse();
                  assertThat(reply.getHidden().getShape(1)).isEqualTo(64);
                });
      } else {
        assertThat(r.summary.hasReturnCut()).as("M = N is the plain split").isFalse();
        assertThat(edge.replies.get(edge.replies.size() - 1).getHasToken()).isTrue();
      }
      await().until(() -> worker.sessions().activeSessions() == 0);
    }
  }

  /**
   * Alone on the per-layer worker, and three sessions at once on the batching worker (their steps
   * run through its batcher): no worker log line, energy line or metric holds a token or a word.
   */
  @ParameterizedTest(name = "batching worker: {0}")
  @ValueSource(booleans = {false, true})
  void workerLogsMetricsAndEnergyLines_holdNoTokenOrText_inUMode(boolean batching)
      throws Exception {
    CloudMetrics metrics = batching ? batchingMetrics : UShapedSplitTest.metrics;
    List<String> energyLines = batching ? batchingEnergyLines : UShapedSplitTest.energyLines;
    int port = batching ? batchingWorker.port() : worker.port();
    long batchedBefore = batchingCompute.decodeSteps();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    root.setLevel(Level.DEBUG);
    energyLines.clear();
    List<String> texts = new ArrayList<>();
    try (Edge edge = new Edge(2, 4, Map.of("cloud.target", "127.0.0.1:" + port))) {
      ExecutorService clients = Executors.newFixedThreadPool(3);
      try {
        List<Future<String>> runs = new ArrayList<>();
        for (int i = 0; i < (batching ? 3 : 1); i++) {
          runs.add(clients.submit(() -> edge.generate(Stories260k.PROMPT, 60).text));
        }
        for (Future<String> run : runs) {
          texts.add(run.get(2, TimeUnit.MINUTES));
        }
      } finally {
        clients.shutdownNow();
      }
    } finally {
      root.detachAppender(logs);
      root.setLevel(before);
    }
    assertThat(texts).allSatisfy(text -> assertThat(text).contains("Lily"));
    if (batching) {
      assertThat(batchingCompute.decodeSteps() - batchedBefore)
          .as("the steps ran through the batcher")
          .isPositive();
      // U steps count in the batch figures like plain ones.
      assertThat(metrics.registry().get("edgesplit.batch.decode.steps").functionCounter().count())
          .isGreaterThanOrEqualTo(batchingCompute.decodeSteps() - batchedBefore);
      assertThat(metrics.scrape()).contains("edgesplit_batch_decode_runs_total");
    }
    List<String> words = List.of("Lily", "park", "ball", "Once upon");
    List<String> workerLines =
        logs.list.stream()
            .filter(e -> e.getLoggerName().startsWith("dev.edgesplit.cloud"))
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    for (String w : words) {
      assertThat(workerLines).noneMatch(l -> l.contains(w));
      assertThat(metrics.scrape()).doesNotContain(w);
    }
    assertThat(energyLines).isNotEmpty().noneMatch(l -> l.contains("token_id"));
    assertThat(metrics.scrape()).doesNotContain("token_id").contains("edgesplit_tokens_total");
  }

  @Test
  void noReachableWorker_localFallbackRunsTheWorkersRangeOnTheBoard_withTheSameText()
      throws Exception {
    int deadPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    try (Edge edge =
        new Edge(
            1,
            3,
            Map.of(
                "cloud.target",
                "127.0.0.1:" + deadPort,
                "cloud.fallback",
                "local",
                "cloud.retry.deadline_ms",
                "500"))) {
      int promptTokens = tokenizer.encode(Stories260k.PROMPT, true).length;
      Result r = edge.generate(Stories260k.PROMPT, 100 - promptTokens + 1);
      assertThat(Stories260k.PROMPT + r.text).isEqualTo(Stories260k.REFERENCE);
      assertThat(r.summary.getFinishedLocally()).isTrue();
      assertThat(r.summary.getReturnCut()).isEqualTo(3);
    }
  }

  @Test
  void handshake_refusesARangeTheWorkerCannotServe_withFailedPrecondition() throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", worker.port()).usePlaintext().build();
    SegmentChain fixedCloud = compiled.openCloud(2, RuntimeOptions.defaults());
    CloudWorker fixed =
        new CloudWorker(
                CloudConfig.load(null, Map.of(), Map.of("listen.port", "0", "model.cut", "2")),
                new ChainCloudCompute(fixedCloud, compiled.fingerprint()),
                new EngineSamplerFactory(),
                StepEnergy.none())
            .start();
    ManagedChannel toFixed =
        NettyChannelBuilder.forAddress("127.0.0.1", fixed.port()).usePlaintext().build();
    try {
      HandshakeRequest hello =
          HandshakeRequest.newBuilder()
              .setProtocolVersion(Protocol.VERSION)
              .setModelFingerprint(compiled.fingerprint())
              .setCut(2)
              .setHiddenDtype(DType.DTYPE_FP32)
              .setMaxContext(512)
              .build();
      assertFailedPrecondition(
          channel, hello.toBuilder().setReturnCut(2).build(), "return_cut must be above");
      assertFailedPrecondition(
          channel, hello.toBuilder().setReturnCut(6).build(), "at most n_layers");
      assertFailedPrecondition(
          toFixed, hello.toBuilder().setReturnCut(4).build(), "per-layer build");
      assertThat(
              CloudServiceGrpc.newBlockingStub(channel)
                  .handshake(hello.toBuilder().setReturnCut(4).build())
                  .getCut())
          .isEqualTo(2);
    } finally {
      toFixed.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      fixed.close();
      fixedCloud.close();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void assertFailedPrecondition(
      Channel channel, HandshakeRequest hello, String message) {
    assertThatThrownBy(
            () ->
                CloudServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .handshake(hello))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  private record Result(String text, GenerationSummary summary) {}

  /**
   * An edge agent running [0, k) and [m, N) against the shared worker, recording what crosses the
   * link.
   */
  private static final class Edge implements AutoCloseable {
    final List<SessionFrame> frames = Collections.synchronizedList(new ArrayList<>());
    final List<SessionReply> replies = Collections.synchronizedList(new ArrayList<>());
    final EdgeChains chains = EdgeChains.perLayer(compiled, RuntimeOptions.defaults());
    final ManagedChannel toCloud;
    final EdgeAgent agent;
    final ManagedChannel toEdge;

    Edge(int k, int m) {
      this(k, m, Map.of());
    }

    Edge(int k, int m, Map<String, String> settings) {
      Map<String, String> overrides =
          new java.util.HashMap<>(
              Map.of(
                  "listen.port",
                  "0",
                  "model.cut",
                  String.valueOf(k),
                  "cloud.hidden_dtype",
                  "fp32",
                  "cloud.target",
                  "127.0.0.1:" + worker.port()));
      overrides.putAll(settings);
      EdgeConfig config = EdgeConfig.load(null, Map.of(), overrides);
      String target = config.cloud().targets().get(0);
      toCloud = NettyChannelBuilder.forTarget(target).usePlaintext().build();
      Channel recorded = ClientInterceptors.intercept(toCloud, new Recorder());
      agent =
          new EdgeAgent(
                  config,
                  chains,
                  compiled.fingerprint(),
                  tokenizer,
                  List.of(recorded),
                  StepHooks.of(StepEnergy.none()),
                  m)
              .start();
      toEdge = NettyChannelBuilder.forAddress("127.0.0.1", agent.port()).usePlaintext().build();
    }

    Result generate(String prompt, int maxNewTokens) {
      StringBuilder text = new StringBuilder();
      GenerationSummary summary = null;
      Iterator<GenerateResponse> it =
          EdgeServiceGrpc.newBlockingStub(toEdge)
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .generate(
                  GenerateRequest.newBuilder()
                      .setText(prompt)
                      .setMaxNewTokens(maxNewTokens)
                      .build());
      while (it.hasNext()) {
        GenerateResponse r = it.next();
        if (r.hasToken()) {
          text.append(r.getToken().getText());
        } else {
          summary = r.getSummary();
        }
      }
      assertThat(summary).isNotNull();
      return new Result(text.toString(), summary);
    }

    @Override
    public void close() throws Exception {
      toEdge.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      agent.close();
      toCloud.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      chains.close();
    }

    /** Records the session frames the worker receives and the replies it sends. */
    private final class Recorder implements ClientInterceptor {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(
          MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void sendMessage(Q message) {
            if (message instanceof SessionFrame f) {
              frames.add(f);
            }
            super.sendMessage(message);
          }

          @Override
          public void start(Listener<A> listener, Metadata headers) {
            super.start(
                new SimpleForwardingClientCallListener<>(listener) {
                  @Override
                  public void onMessage(A message) {
                    if (message instanceof SessionReply r) {
                      replies.add(r);
                    }
                    super.onMessage(message);
                  }
                },
                headers);
          }
        };
      }
    }
  }
}
