package dev.edgesplit.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import dev.edgesplit.cloud.metrics.BatchMetrics;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.Protocol;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.systest.CloudLogs;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LinkRecorder;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import dev.edgesplit.systest.WorkerRecords;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The U-shaped split over real loopback sockets: the worker runs only layers [k, m) of the real
 * stories260K model and sends hidden states back; the edge runs [0, k), [m, N), the head and
 * sampling.
 */
class UShapedSplitTest {

  static CompiledModel compiled;
  static Tokenizer tokenizer;
  static LoopbackWorker worker;
  static final WorkerRecords records = new WorkerRecords();

  /** A batching worker over the same build ({@code cloud --return-cut M --batch N}). */
  static BatchingCloudCompute batchingCompute;

  static LoopbackWorker batchingWorker;
  static final WorkerRecords batchingRecords = new WorkerRecords();

  @BeforeAll
  static void start() throws Exception {
    compiled = CompiledStories.model();
    tokenizer = CompiledStories.tokenizer();
    worker = LoopbackWorker.at(1).anyCut().listener(records.listener()).start();
    batchingCompute = BatchingCloudCompute.forModel(compiled, RuntimeOptions.defaults(), 1, 5, 4);
    BatchMetrics.bindTo(batchingRecords.metrics().registry(), batchingCompute);
    batchingWorker =
        LoopbackWorker.at(1)
            .compute(batchingCompute, batchingCompute)
            .config(Map.of("runtime.step_threads", "6"))
            .listener(batchingRecords.listener())
            .start();
  }

  @AfterAll
  static void stop() {
    worker.close();
    batchingWorker.close();
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
      Generated r = edge.generate(Stories260k.PROMPT, 100 - promptTokens + 1);
      assertThat(Stories260k.PROMPT + r.text()).isEqualTo(Stories260k.REFERENCE);
      assertThat(r.summary().getCut()).isEqualTo(k);
      if (m < 5) {
        assertThat(r.summary().getReturnCut()).isEqualTo(m);
        // fp32 rows of 64 floats, both ways: every position goes out at h_k and comes back at h_m.
        assertThat(r.summary().getBytesReceivedPerToken())
            .isEqualTo(r.summary().getBytesSentPerToken())
            .isPositive();
        assertThat(edge.link.frames())
            .isNotEmpty()
            .allSatisfy(
                f -> {
                  assertThat(f.hasSampling()).as("sampling stays on the board").isFalse();
                  assertThat(f.getReturnCut()).isEqualTo(m);
                });
        assertThat(edge.link.replies())
            .hasSameSizeAs(edge.link.frames())
            .allSatisfy(
                reply -> {
                  assertThat(reply.getHasToken()).isFalse();
                  assertThat(reply.getTokenId()).isZero();
                  assertThat(reply.hasLogprob()).isFalse();
                  assertThat(reply.getHidden().getShape(1)).isEqualTo(64);
                });
      } else {
        assertThat(r.summary().hasReturnCut()).as("M = N is the plain split").isFalse();
        assertThat(edge.link.replies().get(edge.link.replies().size() - 1).getHasToken()).isTrue();
      }
      await().until(() -> worker.sessions() == 0);
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
    WorkerRecords records = batching ? batchingRecords : UShapedSplitTest.records;
    int port = batching ? batchingWorker.port() : worker.port();
    long batchedBefore = batchingCompute.decodeSteps();
    records.energyLines().clear();
    List<String> texts = new ArrayList<>();
    List<String> workerLines;
    try (CloudLogs logs = CloudLogs.capture()) {
      try (Edge edge = new Edge(2, 4, port, Map.of())) {
        ExecutorService clients = Executors.newFixedThreadPool(3);
        try {
          List<Future<String>> runs = new ArrayList<>();
          for (int i = 0; i < (batching ? 3 : 1); i++) {
            runs.add(clients.submit(() -> edge.generate(Stories260k.PROMPT, 60).text()));
          }
          for (Future<String> run : runs) {
            texts.add(run.get(2, TimeUnit.MINUTES));
          }
        } finally {
          clients.shutdownNow();
        }
      }
      workerLines = logs.workerLines();
    }
    assertThat(texts).allSatisfy(text -> assertThat(text).contains("Lily"));
    if (batching) {
      assertThat(batchingCompute.decodeSteps() - batchedBefore)
          .as("the steps ran through the batcher")
          .isPositive();
      // U steps count in the batch figures like plain ones.
      assertThat(
              records
                  .metrics()
                  .registry()
                  .get("edgesplit.batch.decode.steps")
                  .functionCounter()
                  .count())
          .isGreaterThanOrEqualTo(batchingCompute.decodeSteps() - batchedBefore);
      assertThat(records.metrics().scrape()).contains("edgesplit_batch_decode_runs_total");
    }
    records.assertHoldNoTokenOrText(workerLines);
  }

  @Test
  void noReachableWorker_localFallbackRunsTheWorkersRangeOnTheBoard_withTheSameText()
      throws Exception {
    int deadPort = LoopbackWorker.deadPort();
    try (Edge edge =
        new Edge(
            1, 3, deadPort, Map.of("cloud.fallback", "local", "cloud.retry.deadline_ms", "500"))) {
      int promptTokens = tokenizer.encode(Stories260k.PROMPT, true).length;
      Generated r = edge.generate(Stories260k.PROMPT, 100 - promptTokens + 1);
      assertThat(Stories260k.PROMPT + r.text()).isEqualTo(Stories260k.REFERENCE);
      assertThat(r.summary().getFinishedLocally()).isTrue();
      assertThat(r.summary().getReturnCut()).isEqualTo(3);
    }
  }

  @Test
  void handshake_refusesARangeTheWorkerCannotServe_withFailedPrecondition() throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", worker.port()).usePlaintext().build();
    LoopbackWorker fixed = LoopbackWorker.at(2).start();
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

  /**
   * An edge agent running [0, k) and [m, N) against one worker (the shared one by default),
   * recording what crosses the link.
   */
  private static final class Edge implements AutoCloseable {
    final LinkRecorder link = new LinkRecorder();
    final LoopbackAgent agent;

    Edge(int k, int m) {
      this(k, m, worker.port(), Map.of());
    }

    Edge(int k, int m, int cloudPort, Map<String, String> settings) {
      agent =
          LoopbackAgent.at(k)
              .returnCut(m)
              .clouds(cloudPort)
              .config(settings)
              .intercept(link)
              .start();
    }

    Generated generate(String prompt, int maxNewTokens) {
      return agent.generate(
          GenerateRequest.newBuilder().setText(prompt).setMaxNewTokens(maxNewTokens).build());
    }

    @Override
    public void close() throws Exception {
      agent.close();
    }
  }
}
