package dev.edgesplit.edge.speculate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.EdgeSlowdown;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.metrics.EdgeMetrics;
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
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.server.metrics.MetricsHttpServer;
import dev.edgesplit.testkit.SharedModels;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Speculative decoding over real loopback sockets (a cloud worker and an edge agent on port 0, fp32
 * stories260K compiled per layer, its own int4 compile as the draft model): greedy text with every
 * draft source equals the text of one token per round trip, at every cut.
 */
class SpeculativeSplitTest {

  /**
   * Prompts the board can draft from in different ways: the reference, a repetitive one, a
   * dialogue.
   */
  static final List<String> PROMPTS =
      List.of(
          Stories260k.PROMPT,
          "Tom had a red ball. Tom had a red ball. Tom had a",
          "Lily said, \"Mom, can I play outside?\" Mom said,");

  static final List<DraftSource> SOURCES =
      List.of(
          DraftSource.DRAFT_SOURCE_NGRAM,
          DraftSource.DRAFT_SOURCE_MODEL,
          DraftSource.DRAFT_SOURCE_EARLY_EXIT);

  static CompiledModel compiled;
  static Tokenizer tokenizer;
  static SegmentChain draftChain;
  static SegmentChain head;

  /**
   * The fp32 target compiled per layer and its int4 copy as the draft, once per JVM (the chains
   * stay open for the JVM's life: tests of this package share them).
   */
  static synchronized void compile() throws Exception {
    if (compiled != null) {
      return;
    }
    Path dir = java.nio.file.Files.createTempDirectory("edgesplit-speculate");
    Path checkpoint = SharedModels.require("stories260K/stories260K.bin");
    compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
            .compile(ModelImporter.load(checkpoint), dir.resolve("target"));
    CompiledModel draftCompiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.INT4, WeightFormat.INT4, SegmentOptions.defaults(512)))
            .compile(ModelImporter.load(checkpoint), dir.resolve("draft"));
    tokenizer = Tokenizers.load(compiled.tokenizerFile());
    draftChain = draftCompiled.openWhole(WeightFormat.INT4, RuntimeOptions.defaults());
    head = compiled.openCloud(compiled.config().nLayers(), RuntimeOptions.defaults());
  }

  @BeforeAll
  static void setUp() throws Exception {
    compile();
  }

  @ParameterizedTest(name = "cut {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5})
  void greedyText_withEverySource_equalsOneTokenPerRoundTrip(int cut) throws Exception {
    try (Split split = new Split(cut, Map.of())) {
      for (String prompt : PROMPTS) {
        GenerateRequest request =
            GenerateRequest.newBuilder().setText(prompt).setMaxNewTokens(90).build();
        Result plain =
            split.generate(
                request.toBuilder().setDraftSource(DraftSource.DRAFT_SOURCE_NONE).build());
        assertThat(plain.summary.getTokensPerRoundTrip()).isEqualTo(1.0);
        if (prompt.equals(Stories260k.PROMPT)) {
          assertThat(Stories260k.REFERENCE).startsWith(prompt + plain.text);
        }
        for (DraftSource source : SOURCES) {
          Result fast = split.generate(request.toBuilder().setDraftSource(source).build());
          String what = source + " at cut " + cut + " for '" + prompt + "'";
          assertThat(fast.text).as(what).isEqualTo(plain.text);
          GenerationSummary s = fast.summary;
          assertThat(s.getGeneratedTokens()).as(what).isEqualTo(plain.summary.getGeneratedTokens());
          assertThat(s.getDraftSource()).isEqualTo(source);
          assertThat(s.getRoundTrips()).as(what).isLessThanOrEqualTo(plain.summary.getRoundTrips());
          if (source == DraftSource.DRAFT_SOURCE_MODEL) {
            // The int4 copy agrees with fp32 on most tokens: several tokens per round trip (on
            // loopback the
            // window stays short: the link costs little next to a position's compute).
            assertThat(s.getTokensPerRoundTrip()).as(what).isGreaterThan(1.5);
          }
        }
      }
    }
  }

  @Test
  void unknownOrUnavailableSource_isInvalidArgument_andTheAgentKeepsServing() throws Exception {
    try (Split split = new Split(2, Map.of("speculate.max_window", "0"))) {
      assertThatThrownBy(
              () ->
                  split.generate(
                      GenerateRequest.newBuilder()
                          .setText("Hi")
                          .setMaxNewTokens(4)
                          .setDraftSource(DraftSource.DRAFT_SOURCE_NGRAM)
                          .build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      Result r =
          split.generate(
              GenerateRequest.newBuilder().setText(Stories260k.PROMPT).setMaxNewTokens(20).build());
      assertThat(r.summary.getTokensPerRoundTrip()).isEqualTo(1.0);
      assertThat(Stories260k.REFERENCE).startsWith(Stories260k.PROMPT + r.text);
    }
  }

  @Test
  void metrics_countRoundTripsAndDraftTokensByDraftSource() throws Exception {
    EdgeMetrics metrics = new EdgeMetrics(() -> 3, Optional::empty, Optional.empty());
    try (Split split = new Split(3, Map.of(), metrics);
        MetricsHttpServer http = MetricsHttpServer.start("127.0.0.1", 0, metrics::scrape)) {
      GenerateRequest request =
          GenerateRequest.newBuilder().setText(Stories260k.PROMPT).setMaxNewTokens(60).build();
      GenerationSummary plain =
          split.generate(request.toBuilder().setDraftSource(DraftSource.DRAFT_SOURCE_NONE).build())
              .summary;
      GenerationSummary s =
          split.generate(request.toBuilder().setDraftSource(DraftSource.DRAFT_SOURCE_MODEL).build())
              .summary;
      assertThat(s.getDraftedTokens()).isPositive();
      assertThat(s.getAcceptedDraftTokens()).isBetween(1, s.getDraftedTokens());
      assertThat(s.getAcceptanceRate())
          .isCloseTo(
              (double) s.getAcceptedDraftTokens() / s.getDraftedTokens(),
              org.assertj.core.data.Offset.offset(1e-12));
      String scrape =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(scrape)
          .contains(
              "edgesplit_round_trips_total{draft_source=\"model\"} " + (double) s.getRoundTrips())
          .contains(
              "edgesplit_round_trips_total{draft_source=\"none\"} "
                  + (double) plain.getRoundTrips())
          .contains(
              "edgesplit_draft_tokens_total{draft_source=\"model\",outcome=\"accepted\"} "
                  + (double) s.getAcceptedDraftTokens())
          .contains(
              "edgesplit_draft_tokens_total{draft_source=\"model\",outcome=\"rejected\"} "
                  + (double) (s.getDraftedTokens() - s.getAcceptedDraftTokens()))
          .contains("edgesplit_draft_tokens_total{draft_source=\"none\",outcome=\"accepted\"} 0.0")
          .contains("edgesplit_tokens_per_round_trip_count{draft_source=\"model\"} 1")
          .contains("edgesplit_tokens_per_round_trip_sum{draft_source=\"none\"} 1.0");
    }
  }

  record Result(String text, GenerationSummary summary) {}

  /**
   * A worker and an agent for one cut on loopback port 0; the agent drafts with all three sources.
   */
  static final class Split implements AutoCloseable {
    final SegmentChain cloudChain;
    final SegmentChain edgeChain;
    final CloudWorker cloud;
    final ManagedChannel toCloud;
    final EdgeAgent edge;
    final ManagedChannel toEdge;

    Split(int cut, Map<String, String> edgeSettings) {
      this(cut, edgeSettings, StepListener.NONE);
    }

    Split(int cut, Map<String, String> edgeSettings, StepListener listener) {
      cloudChain = compiled.openCloud(cut, RuntimeOptions.defaults());
      edgeChain = compiled.openEdge(cut, RuntimeOptions.defaults());
      CloudConfig cloudConfig =
          CloudConfig.load(
              null,
              Map.of(),
              Map.of(
                  "listen.port",
                  "0",
                  "model.cut",
                  String.valueOf(cut),
                  "runtime.step_threads",
                  "2"));
      cloud =
          new CloudWorker(
                  cloudConfig,
                  new ChainCloudCompute(cloudChain, compiled.fingerprint()),
                  new EngineSamplerFactory(),
                  StepEnergy.none())
              .start();
      toCloud = NettyChannelBuilder.forAddress("127.0.0.1", cloud.port()).usePlaintext().build();
      Map<String, String> overrides =
          new HashMap<>(
              Map.of(
                  "listen.port",
                  "0",
                  "model.cut",
                  String.valueOf(cut),
                  "cloud.hidden_dtype",
                  "fp32",
                  "cloud.target",
                  "127.0.0.1:" + cloud.port()));
      overrides.putAll(edgeSettings);
      EdgeConfig config = EdgeConfig.load(null, Map.of(), overrides);
      edge =
          new EdgeAgent(
                  config,
                  EdgeChains.fixed(edgeChain, null),
                  compiled.fingerprint(),
                  tokenizer,
                  List.<Channel>of(toCloud),
                  new StepHooks(StepEnergy.none(), listener, EdgeSlowdown.none()))
              .speculation(
                  new Speculation(
                      DraftSource.DRAFT_SOURCE_NONE,
                      config.speculate().maxWindow(),
                      draftChain,
                      head))
              .start();
      toEdge = NettyChannelBuilder.forAddress("127.0.0.1", edge.port()).usePlaintext().build();
    }

    Result generate(GenerateRequest request) {
      StringBuilder text = new StringBuilder();
      GenerationSummary summary = null;
      Iterator<GenerateResponse> it =
          EdgeServiceGrpc.newBlockingStub(toEdge)
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .generate(request);
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
      edge.close();
      toCloud.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      cloud.close();
      edgeChain.close();
      cloudChain.close();
    }
  }
}
