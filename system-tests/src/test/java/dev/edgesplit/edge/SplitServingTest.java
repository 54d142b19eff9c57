package dev.edgesplit.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.FinishReason;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.TokenIds;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Edge agent and cloud worker over real loopback sockets (port 0) in one JVM, running the real
 * stories260K model compiled per layer, fp32 hidden states on the wire.
 */
class SplitServingTest {

  static final String REFERENCE = Stories260k.REFERENCE;
  static final String PROMPT = Stories260k.PROMPT;

  static CompiledModel compiled;
  static Tokenizer tokenizer;

  @BeforeAll
  static void compile() {
    compiled = CompiledStories.model();
    tokenizer = CompiledStories.tokenizer();
  }

  @ParameterizedTest(name = "cut {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5})
  void greedyText_overLoopbackGrpc_equalsLlama2cReference_atEveryCut(int cut) throws Exception {
    try (Split split = new Split(cut)) {
      int promptTokens = tokenizer.encode(PROMPT, true).length;
      Generated r = split.generate(textRequest(PROMPT, 100 - promptTokens + 1));
      assertThat(PROMPT + r.text()).isEqualTo(REFERENCE);
      GenerationSummary s = r.summary();
      assertThat(s.getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_MAX_TOKENS);
      assertThat(s.getPromptTokens()).isEqualTo(promptTokens);
      assertThat(s.getGeneratedTokens()).isEqualTo(100 - promptTokens + 1);
      assertThat(s.getCut()).isEqualTo(cut);
      // fp32 rows of 64 floats: prompt + (generated - 1) decode steps, spread over generated
      // tokens.
      assertThat(s.getBytesSentPerToken() * s.getGeneratedTokens()).isEqualTo(100 * 64 * 4.0);
      assertThat(s.getTokensPerSecond()).isPositive();
      assertThat(s.getTimeToFirstTokenMs()).isPositive();
      assertThat(s.getEdgeEnergySource().getKind()).isEqualTo("none");
      assertThat(s.getCloudEnergySource().getKind()).isEqualTo("none");
      await().until(() -> split.cloud.sessions().activeSessions() == 0);
    }
  }

  @ParameterizedTest(name = "cut {0}")
  @ValueSource(ints = {1, 4})
  void promptInPipelinedChunks_continuesExactlyAsInOneFrame(int cut) throws Exception {
    // 41 positions of the reference as the prompt: 6 frames of 8, the board computing each while
    // the worker
    // computes the one before; the continuation must be the reference's, as with the whole prompt
    // in one frame.
    int[] all = tokenizer.encode(REFERENCE, true);
    int[] prompt = java.util.Arrays.copyOf(all, 41);
    TokenIds.Builder ids = TokenIds.newBuilder();
    java.util.Arrays.stream(prompt).forEach(ids::addIds);
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setTokenIds(ids)
            .setMaxNewTokens(20)
            .setSampling(SamplingParams.newBuilder().setTemperature(0f))
            .build();
    String chunked;
    String whole;
    try (Split split = new Split(cut, Map.of("cloud.prefill_chunk", "8"))) {
      chunked = split.generate(request).text();
    }
    try (Split split = new Split(cut, Map.of("cloud.prefill_chunk", "512"))) {
      whole = split.generate(request).text();
    }
    assertThat(chunked).isNotEmpty().isEqualTo(whole);
    assertThat(REFERENCE).contains(chunked.strip());
  }

  @Test
  void badRequests_getTheirStatus_andTheAgentKeepsServing() throws Exception {
    try (Split split = new Split(2)) {
      assertStatus(
          split,
          GenerateRequest.newBuilder().setText("").setMaxNewTokens(5).build(),
          Status.Code.INVALID_ARGUMENT,
          "prompt text is empty");
      assertStatus(
          split,
          GenerateRequest.newBuilder().setMaxNewTokens(5).build(),
          Status.Code.INVALID_ARGUMENT,
          "no prompt");
      TokenIds.Builder tooLong = TokenIds.newBuilder();
      for (int i = 0; i < 512; i++) {
        tooLong.addIds(100);
      }
      assertStatus(
          split,
          GenerateRequest.newBuilder().setTokenIds(tooLong).setMaxNewTokens(1).build(),
          Status.Code.OUT_OF_RANGE,
          "512 tokens");
      assertStatus(
          split, textRequest(PROMPT, 600), Status.Code.OUT_OF_RANGE, "exceeds the context of 512");
      assertStatus(
          split,
          GenerateRequest.newBuilder()
              .setTokenIds(TokenIds.newBuilder().addIds(1).addIds(512))
              .setMaxNewTokens(3)
              .build(),
          Status.Code.INVALID_ARGUMENT,
          "outside the vocabulary");
      assertThat(PROMPT + split.generate(textRequest(PROMPT, 10)).text())
          .isEqualTo(
              REFERENCE.substring(
                  0, (PROMPT + split.generate(textRequest(PROMPT, 10)).text()).length()));
    }
  }

  @Test
  void stopString_endsTheGeneration() throws Exception {
    try (Split split = new Split(3)) {
      Generated r = split.generate(textRequest(PROMPT, 90).toBuilder().addStop("Lily.").build());
      assertThat(r.summary().getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_STOP_STRING);
      assertThat(PROMPT + r.text())
          .isEqualTo("Once upon a time, there was a little girl named Lily.");
    }
  }

  @Test
  void sixteenConcurrentStreams_allCompleteWithTheReferenceText() throws Exception {
    try (Split split = new Split(2)) {
      ExecutorService clients = Executors.newFixedThreadPool(16);
      try {
        List<Future<Generated>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          results.add(clients.submit(() -> split.generate(textRequest(PROMPT, 40))));
        }
        for (Future<Generated> f : results) {
          String text = PROMPT + f.get(120, TimeUnit.SECONDS).text();
          assertThat(REFERENCE).startsWith(text);
          assertThat(text.length()).isGreaterThan(PROMPT.length() + 100);
        }
      } finally {
        clients.shutdownNow();
      }
      await().until(() -> split.cloud.sessions().activeSessions() == 0);
    }
  }

  @Test
  void clientCancellation_stopsTheGeneration_andFreesTheCloudSession() throws Exception {
    try (Split split = new Split(1)) {
      Context.CancellableContext call = Context.current().withCancellation();
      call.run(
          () -> {
            Iterator<GenerateResponse> it = split.stub().generate(textRequest(PROMPT, 400));
            assertThat(it.next().hasToken()).isTrue();
            call.cancel(null);
          });
      await()
          .atMost(10, TimeUnit.SECONDS)
          .until(() -> split.cloud.sessions().activeSessions() == 0);
    }
  }

  private static void assertStatus(
      Split split, GenerateRequest request, Status.Code code, String message) {
    assertThatThrownBy(() -> split.generate(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  private static GenerateRequest textRequest(String text, int maxNewTokens) {
    return GenerateRequest.newBuilder().setText(text).setMaxNewTokens(maxNewTokens).build();
  }

  /** A worker and an agent for one cut on loopback port 0. */
  private static final class Split implements AutoCloseable {
    final LoopbackWorker worker;
    final LoopbackAgent agent;
    final CloudWorker cloud;
    final EdgeAgent edge;

    Split(int cut) {
      this(cut, Map.of());
    }

    Split(int cut, Map<String, String> edgeSettings) {
      worker = LoopbackWorker.at(cut).start();
      agent = LoopbackAgent.at(cut).clouds(worker.port()).config(edgeSettings).start();
      cloud = worker.server();
      edge = agent.server();
    }

    EdgeServiceGrpc.EdgeServiceBlockingStub stub() {
      return EdgeServiceGrpc.newBlockingStub(agent.client())
          .withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    Generated generate(GenerateRequest request) {
      return agent.generate(request);
    }

    @Override
    public void close() throws Exception {
      agent.close();
      worker.close();
    }
  }
}
