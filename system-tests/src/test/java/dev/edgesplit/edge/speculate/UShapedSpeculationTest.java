package dev.edgesplit.edge.speculate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import dev.edgesplit.systest.CloudLogs;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LinkRecorder;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import dev.edgesplit.systest.WorkerRecords;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Speculative decoding in the U-shaped split over real loopback sockets: the board drafts, the
 * worker runs only [k, m) over the window's hidden rows and sends them back, and the board's tail
 * verifies. The worker never sees a draft id, a token id or a sampling parameter.
 */
class UShapedSpeculationTest {

  static final List<DraftSource> SOURCES =
      List.of(
          DraftSource.DRAFT_SOURCE_NGRAM,
          DraftSource.DRAFT_SOURCE_MODEL,
          DraftSource.DRAFT_SOURCE_EARLY_EXIT);

  static final List<String> PROMPTS =
      List.of(
          "Tom had a red ball. Tom had a red ball. Tom had a",
          "Lily said, \"Mom, can I play outside?\" Mom said,");

  static LoopbackWorker worker;

  @BeforeAll
  static void start() throws Exception {
    SpeculativeSplitTest.compile();
    worker = LoopbackWorker.at(1).anyCut().start();
  }

  @AfterAll
  static void stop() {
    worker.close();
  }

  static Stream<Arguments> ranges() {
    return Stream.of(
        Arguments.of(0, 1),
        Arguments.of(1, 3),
        Arguments.of(2, 4),
        Arguments.of(0, 4),
        Arguments.of(3, 4));
  }

  @ParameterizedTest(name = "worker runs [{0}, {1})")
  @MethodSource("ranges")
  void greedyText_withEverySource_equalsLlama2cReferenceAndOneTokenPerRoundTrip(int k, int m)
      throws Exception {
    try (Edge edge = new Edge(k, m, worker.port(), Map.of())) {
      for (DraftSource source : SOURCES) {
        edge.link.clear();
        Generated r = edge.reference(source);
        String what = source + " on [" + k + ", " + m + ")";
        assertThat(Stories260k.PROMPT + r.text()).as(what).isEqualTo(Stories260k.REFERENCE);
        assertThat(r.summary().getReturnCut()).isEqualTo(m);
        assertThat(r.summary().getDraftSource()).isEqualTo(source);
        assertThat(r.summary().getDraftedTokens()).as(what).isPositive();
        if (source == DraftSource.DRAFT_SOURCE_MODEL) {
          // The int4 copy agrees with fp32 on most tokens.
          assertThat(r.summary().getTokensPerRoundTrip()).as(what).isGreaterThan(1.5);
        }
        assertThat(edge.link.frames())
            .as(what)
            .anyMatch(f -> f.getPhase() == FramePhase.FRAME_PHASE_WINDOW);
        assertHiddenOnly(edge);
      }
      for (String prompt : PROMPTS) {
        Generated plain =
            edge.generate(request(prompt, 90).setDraftSource(DraftSource.DRAFT_SOURCE_NONE));
        assertThat(plain.summary().getTokensPerRoundTrip()).isEqualTo(1.0);
        for (DraftSource source : SOURCES) {
          Generated fast = edge.generate(request(prompt, 90).setDraftSource(source));
          String what = source + " on [" + k + ", " + m + ") for '" + prompt + "'";
          assertThat(fast.text()).as(what).isEqualTo(plain.text());
          assertThat(fast.summary().getRoundTrips())
              .as(what)
              .isLessThanOrEqualTo(plain.summary().getRoundTrips());
        }
      }
      await().until(() -> worker.sessions() == 0);
    }
  }

  @ParameterizedTest(name = "worker runs [2, {0})")
  @ValueSource(ints = {3, 5})
  void draftingTheNextWindowWhileOneIsVerified_keepsTheReferenceText(int m) throws Exception {
    // Windows of at most 2 drafts from the int4 copy: nearly all accepted, so the board drafts the
    // window after each one while it is verified (WindowSizer.draftAheadPays), and its guess of
    // the token the verification adds often holds. M = N is the plain split.
    try (Edge edge = new Edge(2, m, worker.port(), Map.of("speculate.max_window", "2"))) {
      Generated r = edge.reference(DraftSource.DRAFT_SOURCE_MODEL);
      assertThat(Stories260k.PROMPT + r.text()).isEqualTo(Stories260k.REFERENCE);
      assertThat(r.summary().getWindowsDraftedAhead()).isPositive();
      assertThat(r.summary().getRoundTrips()).isLessThan(r.summary().getGeneratedTokens());
    }
  }

  @Test
  void workerLogsMetricsAndEnergyLines_holdNoTokenOrText_whenUSessionsSpeculate() throws Exception {
    WorkerRecords records = new WorkerRecords();
    String text;
    List<String> workerLines;
    try (CloudLogs logs = CloudLogs.capture()) {
      try (LoopbackWorker listened =
              LoopbackWorker.at(2).anyCut().listener(records.listener()).start();
          Edge edge = new Edge(2, 4, listened.port(), Map.of())) {
        Generated r =
            edge.generate(
                request(Stories260k.PROMPT, 60).setDraftSource(DraftSource.DRAFT_SOURCE_MODEL));
        text = r.text();
        assertThat(r.summary().getTokensPerRoundTrip()).isGreaterThan(1.5);
        assertHiddenOnly(edge);
      }
      workerLines = logs.workerLines();
    }
    assertThat(text).contains("Lily");
    records.assertHoldNoTokenOrText(workerLines);
  }

  @Test
  void localFallback_verifiesUWindowsOnTheBoard_withTheSameText() throws Exception {
    int deadPort = LoopbackWorker.deadPort();
    try (Edge edge =
        new Edge(
            1, 3, deadPort, Map.of("cloud.fallback", "local", "cloud.retry.deadline_ms", "500"))) {
      Generated r = edge.reference(DraftSource.DRAFT_SOURCE_MODEL);
      assertThat(Stories260k.PROMPT + r.text()).isEqualTo(Stories260k.REFERENCE);
      assertThat(r.summary().getFinishedLocally()).isTrue();
      assertThat(r.summary().getTokensPerRoundTrip()).isGreaterThan(1.5);
    }
  }

  @Test
  void uWindowFrame_withDraftIds_isInvalidArgument() throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", worker.port()).usePlaintext().build();
    try {
      int dim = SpeculativeSplitTest.compiled.config().dim();
      SessionFrame prefill =
          SessionFrame.newBuilder()
              .setSessionId("u-window")
              .setCut(1)
              .setReturnCut(3)
              .setStartPosition(0)
              .setHidden(rows(2, dim))
              .setPhase(FramePhase.FRAME_PHASE_PREFILL)
              .setLast(true)
              .build();
      SessionFrame window =
          prefill.toBuilder()
              .setStartPosition(2)
              .setHidden(rows(2, dim))
              .setPhase(FramePhase.FRAME_PHASE_WINDOW)
              .addDraftTokens(5)
              .build();
      // Named as a U window (return_cut): refused by the frame checks.
      assertInvalid(channel, List.of(prefill, window), "hidden states only");
      // Not named, but the session is U-shaped: refused by the session.
      assertInvalid(
          channel,
          List.of(
              prefill.toBuilder().setSessionId("u-window-2").build(),
              window.toBuilder().setSessionId("u-window-2").clearReturnCut().build()),
          "is U-shaped");
      // A U window may rewind, but never past what the session holds.
      assertInvalid(
          channel,
          List.of(
              prefill.toBuilder().setSessionId("u-window-3").build(),
              window.toBuilder()
                  .setSessionId("u-window-3")
                  .clearDraftTokens()
                  .setStartPosition(3)
                  .build()),
          "holds 2 positions");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Sends {@code frames} on one stream and expects INVALID_ARGUMENT naming {@code message}. */
  private static void assertInvalid(Channel channel, List<SessionFrame> frames, String message)
      throws Exception {
    CompletableFuture<Status> failed = new CompletableFuture<>();
    StreamObserver<SessionFrame> out =
        CloudServiceGrpc.newStub(channel)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .session(
                new StreamObserver<>() {
                  @Override
                  public void onNext(SessionReply reply) {}

                  @Override
                  public void onError(Throwable t) {
                    failed.complete(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    failed.complete(Status.OK);
                  }
                });
    frames.forEach(out::onNext);
    Status status = failed.get(60, TimeUnit.SECONDS);
    out.onCompleted();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains(message);
  }

  private static dev.edgesplit.proto.v1.HiddenTensor rows(int n, int dim) {
    float[] values = new float[n * dim];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) Math.sin(i) * 0.1f;
    }
    return HiddenCodec.encode(FloatBuffer.wrap(values), n, dim, DType.DTYPE_FP32);
  }

  /** The worker's frames and replies in a U session carry no token id, no drafts, no sampling. */
  private static void assertHiddenOnly(Edge edge) {
    assertThat(edge.link.frames())
        .isNotEmpty()
        .allSatisfy(
            f -> {
              assertThat(f.hasSampling()).as("sampling stays on the board").isFalse();
              assertThat(f.getDraftTokensCount()).as("draft ids stay on the board").isZero();
              assertThat(f.getDraftDistributionsCount()).isZero();
            });
    assertThat(edge.link.replies())
        .hasSameSizeAs(edge.link.frames())
        .allSatisfy(
            reply -> {
              assertThat(reply.getHasToken()).isFalse();
              assertThat(reply.getTokenId()).isZero();
              assertThat(reply.getWindowTokensCount()).isZero();
              assertThat(reply.getWindowLogprobsCount()).isZero();
              assertThat(reply.hasLogprob()).isFalse();
              assertThat(reply.hasHidden()).isTrue();
            });
  }

  private static GenerateRequest.Builder request(String prompt, int maxNewTokens) {
    return GenerateRequest.newBuilder()
        .setText(prompt)
        .setMaxNewTokens(maxNewTokens)
        .setSampling(SamplingParams.newBuilder().setTemperature(0f));
  }

  /** An edge agent running [0, k) and [m, N) with every draft source, recording the link. */
  private static final class Edge implements AutoCloseable {
    final LinkRecorder link = new LinkRecorder();
    final LoopbackAgent agent;

    Edge(int k, int m, int cloudPort, Map<String, String> settings) {
      agent =
          LoopbackAgent.at(k)
              .returnCut(m)
              .clouds(List.of(cloudPort))
              .config(settings)
              .intercept(link)
              .speculation(SpeculativeSplitTest.draftChain, SpeculativeSplitTest.head)
              .start();
    }

    Generated generate(GenerateRequest.Builder request) {
      return agent.generate(request.build());
    }

    /**
     * Greedy from the reference prompt to the reference text's length, drafted by {@code source}.
     */
    Generated reference(DraftSource source) {
      int promptTokens = SpeculativeSplitTest.tokenizer.encode(Stories260k.PROMPT, true).length;
      return generate(request(Stories260k.PROMPT, 100 - promptTokens + 1).setDraftSource(source));
    }

    @Override
    public void close() throws Exception {
      agent.close();
    }
  }
}
