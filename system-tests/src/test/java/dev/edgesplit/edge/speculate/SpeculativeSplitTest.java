package dev.edgesplit.edge.speculate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.edge.generate.EdgeSlowdown;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.metrics.EdgeMetrics;
import dev.edgesplit.edge.metrics.EnergyLogListener;
import dev.edgesplit.engine.energy.DeviceProfile;
import dev.edgesplit.engine.energy.EnergyLog;
import dev.edgesplit.engine.energy.EstimatedMeter;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.energy.MeteredStepEnergy;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.server.metrics.MetricsHttpServer;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    compiled = CompiledStories.model();
    tokenizer = CompiledStories.tokenizer();
    CompiledModel draftCompiled =
        CompiledStories.compile(
            null,
            WeightFormat.INT4,
            WeightFormat.INT4,
            512,
            java.nio.file.Files.createTempDirectory("edgesplit-speculate-draft"));
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
        Generated plain =
            split.generate(
                request.toBuilder().setDraftSource(DraftSource.DRAFT_SOURCE_NONE).build());
        assertThat(plain.summary().getTokensPerRoundTrip()).isEqualTo(1.0);
        if (prompt.equals(Stories260k.PROMPT)) {
          assertThat(Stories260k.REFERENCE).startsWith(prompt + plain.text());
        }
        for (DraftSource source : SOURCES) {
          Generated fast = split.generate(request.toBuilder().setDraftSource(source).build());
          String what = source + " at cut " + cut + " for '" + prompt + "'";
          assertThat(fast.text()).as(what).isEqualTo(plain.text());
          GenerationSummary s = fast.summary();
          assertThat(s.getGeneratedTokens())
              .as(what)
              .isEqualTo(plain.summary().getGeneratedTokens());
          assertThat(s.getDraftSource()).isEqualTo(source);
          assertThat(s.getRoundTrips())
              .as(what)
              .isLessThanOrEqualTo(plain.summary().getRoundTrips());
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
      Generated r =
          split.generate(
              GenerateRequest.newBuilder().setText(Stories260k.PROMPT).setMaxNewTokens(20).build());
      assertThat(r.summary().getTokensPerRoundTrip()).isEqualTo(1.0);
      assertThat(Stories260k.REFERENCE).startsWith(Stories260k.PROMPT + r.text());
    }
  }

  @Test
  void metrics_countRoundTripsAndDraftTokensByDraftSource() throws Exception {
    EdgeMetrics metrics = new EdgeMetrics(() -> 3, Optional::empty, Optional.empty());
    try (Split split = new Split(3, Map.of(), metrics);
        MetricsHttpServer http = MetricsHttpServer.start("127.0.0.1", 0, metrics::scrape)) {
      GenerationSummary plain = split.summary(DraftSource.DRAFT_SOURCE_NONE);
      GenerationSummary s = split.summary(DraftSource.DRAFT_SOURCE_MODEL);
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

  @Test
  void energyLog_carriesRoundTripsAcceptanceDraftSourceAndDraftJoules() throws Exception {
    List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (EstimatedMeter meter = EstimatedMeter.forThisProcess(DeviceProfile.RASPBERRY_PI_5);
        Split split =
            new Split(
                3,
                Map.of(),
                new StepHooks(
                    new MeteredStepEnergy(meter),
                    new EnergyLogListener(new EnergyLog(lines::add), false),
                    EdgeSlowdown.none()))) {
      GenerationSummary plain = split.summary(DraftSource.DRAFT_SOURCE_NONE);
      GenerationSummary s = split.summary(DraftSource.DRAFT_SOURCE_MODEL);
      assertThat(plain.getDraftJoulesPerToken()).isZero();
      assertThat(s.getDraftJoulesPerToken())
          .as("drafting costs edge energy, inside the edge's joules")
          .isPositive()
          .isLessThan(s.getEdgeJoulesPerToken());
      assertThat(lines).hasSize(2);
      com.fasterxml.jackson.databind.JsonNode none =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0));
      com.fasterxml.jackson.databind.JsonNode model =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(1));
      assertThat(none.get("draft_source").asText()).isEqualTo("none");
      assertThat(none.get("round_trips").asInt()).isEqualTo(plain.getRoundTrips());
      assertThat(none.get("tokens_per_round_trip").asDouble()).isEqualTo(1.0);
      assertThat(model.get("event").asText()).isEqualTo("summary");
      assertThat(model.get("draft_source").asText()).isEqualTo("model");
      assertThat(model.get("round_trips").asInt()).isEqualTo(s.getRoundTrips());
      assertThat(model.get("tokens_per_round_trip").asDouble())
          .isCloseTo(s.getTokensPerRoundTrip(), org.assertj.core.data.Offset.offset(1e-3));
      assertThat(model.get("acceptance_rate").asDouble())
          .isCloseTo(s.getAcceptanceRate(), org.assertj.core.data.Offset.offset(1e-3))
          .isPositive();
      assertThat(model.get("drafted_tokens").asInt()).isEqualTo(s.getDraftedTokens());
      assertThat(model.get("accepted_draft_tokens").asInt()).isEqualTo(s.getAcceptedDraftTokens());
      assertThat(model.get("draft_joules_per_token").asDouble())
          .isEqualTo(s.getDraftJoulesPerToken());
      System.out.printf(
          "model drafts: %.3f ms and %.6f J drafting per token of %.6f edge J per token (%s)%n",
          s.getDraftMsPerToken(),
          s.getDraftJoulesPerToken(),
          s.getEdgeJoulesPerToken(),
          s.getEdgeEnergySource().getKind());
    }
  }

  /**
   * A worker and an agent for one cut on loopback port 0; the agent drafts with all three sources.
   */
  static final class Split implements AutoCloseable {
    final LoopbackWorker worker;
    final LoopbackAgent agent;

    Split(int cut, Map<String, String> edgeSettings) {
      this(cut, edgeSettings, StepListener.NONE);
    }

    Split(int cut, Map<String, String> edgeSettings, StepListener listener) {
      this(cut, edgeSettings, new StepHooks(StepEnergy.none(), listener, EdgeSlowdown.none()));
    }

    Split(int cut, Map<String, String> edgeSettings, StepHooks hooks) {
      worker = LoopbackWorker.at(cut).start();
      agent =
          LoopbackAgent.at(cut)
              .clouds(worker.port())
              .config(edgeSettings)
              .hooks(hooks)
              .speculation(draftChain, head)
              .start();
    }

    Generated generate(GenerateRequest request) {
      return agent.generate(request);
    }

    /** The summary of 60 greedy tokens after the reference prompt, drafted by {@code source}. */
    GenerationSummary summary(DraftSource source) {
      return generate(
              GenerateRequest.newBuilder()
                  .setText(Stories260k.PROMPT)
                  .setMaxNewTokens(60)
                  .setDraftSource(source)
                  .build())
          .summary();
    }

    @Override
    public void close() throws Exception {
      agent.close();
      worker.close();
    }
  }
}
