package dev.edgesplit.edge.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.compute.PerLayerCloudCompute;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.cloud.metrics.CloudEnergyLogListener;
import dev.edgesplit.cloud.metrics.CloudMetrics;
import dev.edgesplit.cloud.metrics.CloudStepListener;
import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.EdgeSlowdown;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.generate.StepRecord;
import dev.edgesplit.edge.link.LinkProber;
import dev.edgesplit.edge.metrics.EdgeMetrics;
import dev.edgesplit.edge.metrics.EnergyLogListener;
import dev.edgesplit.engine.energy.DeviceProfile;
import dev.edgesplit.engine.energy.EnergyLog;
import dev.edgesplit.engine.energy.EstimatedMeter;
import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.planner.CloudCosts;
import dev.edgesplit.planner.LayerProfile;
import dev.edgesplit.planner.PlanConstraints;
import dev.edgesplit.planner.PlanGoal;
import dev.edgesplit.planner.WireDType;
import dev.edgesplit.planner.link.LinkEstimator;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.server.energy.MeteredStepEnergy;
import dev.edgesplit.server.metrics.MetricsHttpServer;
import dev.edgesplit.testkit.SharedModels;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real stories260K compiled per layer, a cloud worker serving any cut and an edge agent with real
 * (estimated) meters, metrics endpoints, the energy log and the re-planner, over loopback sockets.
 */
class ReplanAndTelemetryTest {

  @TempDir static Path dir;
  static CompiledModel compiled;
  static Tokenizer tokenizer;
  static EstimatedMeter edgeMeter;
  static EstimatedMeter cloudMeter;
  static PerLayerCloudCompute compute;
  static CloudWorker cloud;
  static CloudMetrics cloudMetrics;
  static MetricsHttpServer cloudHttp;
  static ManagedChannel toCloud;
  static EdgeChains chains;
  static EdgeAgent agent;
  static EdgeMetrics edgeMetrics;
  static MetricsHttpServer edgeHttp;
  static ManagedChannel toEdge;
  static Replanner replanner;
  static final EdgeSlowdown slowdown = EdgeSlowdown.none();
  static final ConcurrentLinkedQueue<String> energyLines = new ConcurrentLinkedQueue<>();
  static final ConcurrentLinkedQueue<StepRecord> steps = new ConcurrentLinkedQueue<>();
  static volatile CountDownLatch midGeneration = new CountDownLatch(0);
  static volatile CountDownLatch resume = new CountDownLatch(0);

  @BeforeAll
  static void start() throws Exception {
    Path checkpoint = SharedModels.require("stories260K/stories260K.bin");
    compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
            .compile(ModelImporter.load(checkpoint), dir);
    tokenizer = Tokenizers.load(compiled.tokenizerFile());
    edgeMeter = EstimatedMeter.forThisProcess(DeviceProfile.RASPBERRY_PI_5);
    cloudMeter = EstimatedMeter.forThisProcess(DeviceProfile.GENERIC_X86_SERVER);

    compute = new PerLayerCloudCompute(compiled, RuntimeOptions.defaults(), 1);
    CloudConfig cloudConfig =
        CloudConfig.load(null, Map.of(), Map.of("listen.port", "0", "model.cut", "1"));
    cloudMetrics =
        new CloudMetrics(
            cloudConfig::cut,
            () -> cloud.sessions().activeSessions(),
            () -> cloud.sessions().reservedBytes(),
            java.util.Optional.of(cloudMeter));
    cloud =
        new CloudWorker(
                cloudConfig,
                compute,
                new EngineSamplerFactory(),
                new dev.edgesplit.server.energy.MeteredStepEnergy(cloudMeter),
                CloudStepListener.all(
                    List.of(
                        cloudMetrics, new CloudEnergyLogListener(new EnergyLog(energyLines::add)))))
            .start();
    cloudHttp = MetricsHttpServer.start("127.0.0.1", 0, cloudMetrics::scrape);
    toCloud = NettyChannelBuilder.forAddress("127.0.0.1", cloud.port()).usePlaintext().build();

    LinkEstimator link = new LinkEstimator(0.2, 10.0);
    link.calibrate(
        new LinkProber(toCloud, Duration.ofSeconds(10))
            .probe(LinkProber.activationSizes(64, 4, 1 << 20), 3));
    // Edge profiled here; the cloud's real per-layer times through the Profile RPC, then made 2.5x
    // the edge's so
    // that the edge is the faster side: the latency plan runs every layer on the edge until the
    // edge slows down.
    // The margin is wide because a window of a dozen steps of this tiny model can run 1.5x slower
    // than profiled
    // on a busy 2-core machine.
    LayerProfile measured =
        new ProfileBuilder(
                compiled, RuntimeOptions.defaults(), edgeMeter, new ProfileSettings(16, 4, 32))
            .build("test-board", toCloud, false, Duration.ofSeconds(60))
            .profile();
    assertThat(measured.cloud().layerMillis())
        .hasSize(5)
        .allSatisfy(ms -> assertThat(ms).isPositive());
    List<Double> slowerCloud =
        measured.edge().layerMillis().stream().map(ms -> ms * 2.5).collect(Collectors.toList());
    LayerProfile profile =
        new LayerProfile(
            measured.device(),
            measured.modelFingerprint(),
            measured.weights(),
            measured.shape(),
            measured.edge(),
            new CloudCosts(slowerCloud, measured.cloud().headMillis(), 100));

    chains = EdgeChains.perLayer(compiled, RuntimeOptions.defaults());
    EdgeConfig edgeConfig =
        EdgeConfig.load(
            null,
            Map.of(),
            Map.of(
                "listen.port",
                "0",
                "model.cut",
                "1",
                "cloud.hidden_dtype",
                "fp32",
                "cloud.target",
                "127.0.0.1:" + cloud.port()));
    edgeMetrics =
        new EdgeMetrics(
            () -> agent.cut(),
            () -> java.util.Optional.of(link.current()),
            java.util.Optional.of(edgeMeter));
    replanner =
        new Replanner(
            profile,
            WireDType.FP32,
            PlanConstraints.defaults(512),
            PlanGoal.latency(),
            link,
            () -> agent.cut(),
            k -> agent.useCut(k),
            new Replanner.Settings(0.5, 0.3, 12, 0.0));
    StepListener recorder =
        step -> {
          steps.add(step);
          CountDownLatch mid = midGeneration;
          if (mid.getCount() > 0) {
            mid.countDown();
            if (mid.getCount() == 0) {
              // Hold the generation here (its session open) until the test has scraped both
              // endpoints.
              try {
                resume.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    agent =
        new EdgeAgent(
                edgeConfig,
                chains,
                compiled.fingerprint(),
                tokenizer,
                List.of(toCloud),
                new StepHooks(
                    new MeteredStepEnergy(edgeMeter),
                    StepListener.all(
                        List.of(
                            edgeMetrics,
                            new EnergyLogListener(new EnergyLog(energyLines::add)),
                            replanner,
                            recorder)),
                    slowdown))
            .start();
    edgeHttp = MetricsHttpServer.start("127.0.0.1", 0, edgeMetrics::scrape);
    toEdge = NettyChannelBuilder.forAddress("127.0.0.1", agent.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (toEdge != null) {
      toEdge.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : new AutoCloseable[] {edgeHttp, agent, chains, cloudHttp}) {
      if (c != null) {
        c.close();
      }
    }
    if (toCloud != null) {
      toCloud.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : new AutoCloseable[] {cloud, compute, edgeMeter, cloudMeter}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void metricsEndpoints_showTokensJoulesLinkAndSessions_duringAGeneration() throws Exception {
    resume = new CountDownLatch(1);
    midGeneration = new CountDownLatch(10);
    CompletableFuture<GenerationSummary> running =
        CompletableFuture.supplyAsync(() -> generate(60));
    String edge;
    String cloudText;
    try {
      assertThat(midGeneration.await(60, TimeUnit.SECONDS)).isTrue();
      edge = scrape(edgeHttp.port());
      cloudText = scrape(cloudHttp.port());
    } finally {
      resume.countDown();
    }
    GenerationSummary summary = running.get(60, TimeUnit.SECONDS);
    assertThat(edge)
        .contains("edgesplit_tokens_total{side=\"edge\"}")
        .contains("edgesplit_token_joules_bucket{side=\"edge\"")
        .contains("edgesplit_token_joules_count{side=\"cloud\"}")
        .contains("edgesplit_cut ")
        .contains("edgesplit_link_bandwidth_bits_per_second ")
        .contains("edgesplit_link_rtt_seconds ")
        .contains("edgesplit_active_sessions{side=\"edge\"} 1")
        .contains("edgesplit_kv_bytes{side=\"edge\"}")
        .contains("edgesplit_power_watts{")
        .contains("edgesplit_bytes_sent_total ")
        .contains("edgesplit_step_latency_seconds_bucket");
    assertThat(cloudText)
        .contains("edgesplit_tokens_total{side=\"cloud\"}")
        .contains("edgesplit_token_joules_bucket{side=\"cloud\"")
        .contains("edgesplit_active_sessions{side=\"cloud\"} 1")
        .contains("edgesplit_kv_bytes{side=\"cloud\"}")
        .contains("edgesplit_power_watts{");
    assertThat(counter(edge, "edgesplit_tokens_total{side=\"edge\"}")).isGreaterThanOrEqualTo(10);
    assertThat(summary.getEdgeEnergySource().getKind()).isEqualTo("estimate");
    assertThat(summary.getEdgeEnergySource().getMeasured()).isFalse();
    assertThat(summary.getCloudEnergySource().getKind()).isEqualTo("estimate");
    assertThat(summary.getEdgeJoulesPerToken()).isPositive();
    assertThat(summary.getCloudJoulesPerToken()).isPositive();
  }

  @Test
  void everyTokenLine_andSummaryLine_carryEdgeAndCloudJoulesWithTheirSource() throws Exception {
    energyLines.clear();
    GenerationSummary summary = generate(20);
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> edgeTokens = new java.util.ArrayList<>();
    List<JsonNode> summaries = new java.util.ArrayList<>();
    List<JsonNode> cloudTokens = new java.util.ArrayList<>();
    for (String line : energyLines) {
      JsonNode n = json.readTree(line);
      if (n.path("side").asText().equals("edge") && n.path("event").asText().equals("token")) {
        edgeTokens.add(n);
      } else if (n.path("event").asText().equals("summary")) {
        summaries.add(n);
      } else if (n.path("side").asText().equals("cloud")
          && n.path("event").asText().equals("token")) {
        cloudTokens.add(n);
      }
    }
    assertThat(edgeTokens).hasSize(summary.getGeneratedTokens());
    assertThat(cloudTokens).hasSizeGreaterThanOrEqualTo(summary.getGeneratedTokens());
    assertThat(summaries).hasSize(1);
    for (JsonNode n : edgeTokens) {
      assertThat(n.path("edge_joules").asDouble()).isPositive();
      assertThat(n.path("cloud_joules").asDouble()).isPositive();
      assertThat(n.path("edge_source").path("kind").asText()).isEqualTo("estimate");
      assertThat(n.path("edge_source").path("measured").isBoolean()).isTrue();
      assertThat(n.path("cloud_source").path("kind").asText()).isEqualTo("estimate");
      assertThat(n.path("cloud_source").path("measured").asBoolean()).isFalse();
    }
    JsonNode s = summaries.get(0);
    assertThat(s.path("edge_joules_per_token").asDouble())
        .isEqualTo(summary.getEdgeJoulesPerToken());
    assertThat(s.path("cloud_source").path("kind").asText()).isEqualTo("estimate");
    assertThat(s.path("edge_source").path("measured").asBoolean()).isFalse();
  }

  @Test
  void edgeSlowingDownFourfold_movesNewSessionsToAnotherCut() throws Exception {
    slowdown.setFactor(1.0);
    replanner.planNow("test start");
    int before = agent.cut();
    assertThat(before).as("edge faster than cloud: every layer on the edge").isEqualTo(5);
    generate(40);
    assertThat(agent.cut()).as("no slowdown, no move").isEqualTo(before);
    slowdown.setFactor(4.0);
    try {
      for (int i = 0; i < 6 && agent.cut() == before; i++) {
        generate(40);
      }
      int after = agent.cut();
      assertThat(after)
          .as("the edge at 4x is slower than the cloud (2.5x): fewest layers on the edge")
          .isEqualTo(1);
      // The re-planner measured a slowdown; on a loaded machine noise can push the ratio past the
      // injected 4x.
      assertThat(replanner.edgeScale()).isGreaterThan(2.5);
      assertThat(generate(5).getCut()).as("next session runs at the new cut").isEqualTo(after);
    } finally {
      slowdown.setFactor(1.0);
    }
  }

  @Test
  void perLayerCloud_servesEveryCut_keepsChainsInUse_andClosesIdleOnesBeyondItsLimit() {
    List<dev.edgesplit.cloud.compute.ComputeState> open = new java.util.ArrayList<>();
    try {
      for (int cut = 0; cut <= 5; cut++) {
        open.add(compute.newState(cut));
      }
      // Six cuts in use at once: none may be evicted under a live state.
      for (int cut = 0; cut <= 5; cut++) {
        assertThat(compute.forward(open.get(cut), new float[64], 1)).hasSize(512);
      }
    } finally {
      open.forEach(dev.edgesplit.cloud.compute.ComputeState::close);
    }
    // All idle now: opening them again one at a time works, evicting idle chains as it goes.
    for (int cut = 5; cut >= 0; cut--) {
      try (dev.edgesplit.cloud.compute.ComputeState s = compute.newState(cut)) {
        assertThat(compute.forward(s, new float[64], 1)).hasSize(512);
      }
    }
    assertThat(compute.servesCut(6)).isFalse();
  }

  private static GenerationSummary generate(int tokens) {
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setText("Once upon a time")
            .setMaxNewTokens(tokens)
            .setSampling(SamplingParams.newBuilder().setTemperature(0))
            .build();
    Iterator<GenerateResponse> it =
        EdgeServiceGrpc.newBlockingStub(toEdge)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .generate(request);
    GenerationSummary summary = null;
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      if (r.hasSummary()) {
        summary = r.getSummary();
      }
    }
    return summary;
  }

  private static String scrape(int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static double counter(String text, String series) {
    return text.lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .findFirst()
        .orElse(-1);
  }
}
