package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgesplit.proto.v1.FinishReason;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cloud-worker image for real: built from deploy/docker/Dockerfile, run as docker-compose.yml's
 * {@code cloud-worker} service runs it (its command, environment and read-only mounts; host ports
 * chosen by the engine), serving an edge agent on the host over mutual TLS, scraped by a real
 * Prometheus, stopped with a session open. Skipped, saying why, only where no container engine
 * runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class WorkerContainerTest {
  private static final int SEGMENT_PORT = 50061;
  private static final int HEALTH_PORT = 50062;
  private static final int METRICS_PORT = 9102;

  @TempDir static Path work;
  private Engine engine;
  private String container;
  private Path certs;
  private SlowLink link;
  private HostEdgeAgent edge;

  @BeforeAll
  void startWorker() throws IOException {
    Engine.assume(Engine.get().isPresent(), Engine.NONE);
    engine = Engine.get().orElseThrow();
    String image = WorkerImage.build(engine);
    certs = work.resolve("tls");
    Cmd.Result ca =
        Cmd.of(Repo.file("deploy/tls/make-test-ca.sh").toString(), certs.toString()).run();
    assertThat(ca.exitCode()).as(ca.describe()).isZero();

    JsonNode service =
        Yaml.read(Repo.file("docker-compose.yml")).path("services").path("cloud-worker");
    container = "edgesplit-worker-test-" + ProcessHandle.current().pid();
    List<String> run = new ArrayList<>(List.of("run", "-d", "--name", container));
    for (JsonNode port :
        service.path("ports")) { // the container side; the engine picks free host ports
      String spec = port.asText();
      run.addAll(List.of("-p", "127.0.0.1::" + spec.substring(spec.lastIndexOf(':') + 1)));
    }
    // The plaintext health port too: compose leaves it unpublished, this test asks it from the
    // host.
    run.addAll(List.of("-p", "127.0.0.1::" + HEALTH_PORT));
    JsonNode environment = service.path("environment");
    environment
        .fieldNames()
        .forEachRemaining(k -> run.addAll(List.of("-e", k + "=" + environment.path(k).asText())));
    for (JsonNode volume : service.path("volumes")) {
      // HOST:TARGET:MODE, HOST possibly "${EDGESPLIT_MODELS:-...}": split from the right.
      String spec = volume.asText();
      String mode = spec.substring(spec.lastIndexOf(':') + 1);
      String rest = spec.substring(0, spec.lastIndexOf(':'));
      String target = rest.substring(rest.lastIndexOf(':') + 1);
      String source = rest.substring(0, rest.lastIndexOf(':'));
      String host =
          source.contains("EDGESPLIT_MODELS")
              ? WorkerImage.models().toString()
              : source.equals("./deploy/tls/out") ? certs.toString() : null;
      assertThat(host).as("a host path for the compose volume %s", spec).isNotNull();
      assertThat(mode).as("compose mounts %s read-only", target).isEqualTo("ro");
      run.addAll(List.of("-v", host + ":" + target + ":ro"));
    }
    run.add(image);
    service.path("command").forEach(c -> run.add(c.asText()));
    engine.remove(container);
    engine.removeOnExit(container);
    engine.ok(run.toArray(String[]::new));
    link = new SlowLink("127.0.0.1", hostPort(SEGMENT_PORT));
  }

  @AfterAll
  void cleanUp() throws Exception {
    if (edge != null) {
      edge.close();
    }
    if (link != null) {
      link.close();
    }
    if (container != null) {
      engine.remove(container);
    }
  }

  @Test
  @Order(1)
  void healthCheck_reportsServing() throws InterruptedException {
    if (engine.isPodman()) {
      assertThat(
              engine.ok(
                  "image", "inspect", "--format", "{{json .Config.Healthcheck}}", WorkerImage.TAG))
          .contains("edgesplit health --target");
      // podman runs HEALTHCHECK from systemd timers; without them, `healthcheck run` runs it once.
      await("the image's HEALTHCHECK passes, " + logs())
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofSeconds(2))
          .until(() -> engine.run("healthcheck", "run", container).exitCode() == 0);
    } else {
      await("docker reports healthy")
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofSeconds(2))
          .until(
              () ->
                  engine
                      .ok("inspect", "--format", "{{.State.Health.Status}}", container)
                      .equals("healthy"));
    }
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", hostPort(HEALTH_PORT)).usePlaintext().build();
    try {
      assertThat(
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(20, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isEqualTo(ServingStatus.SERVING);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(2)
  void runsAsNonRoot_withTheModelsMountedReadOnly() {
    assertThat(engine.ok("exec", container, "stat", "-c", "%u:%g", "/proc/1"))
        .as("owner of the worker, PID 1")
        .isEqualTo("10001:10001");
    Cmd.Result write =
        engine.run("exec", container, "touch", "/models/stories260K/written-by-the-worker");
    assertThat(write.exitCode()).isNotZero();
    assertThat(write.stderr()).contains("Read-only file system");
    assertThat(engine.run("exec", container, "touch", "/etc/edgesplit/tls/x").stderr())
        .contains("Read-only file system");
  }

  @Test
  @Order(3)
  void hostEdgeAgent_overMutualTls_generatesTheReferenceText() throws IOException {
    HostEdgeAgent agent = edge();
    int promptTokens = agent.generate(Stories260k.PROMPT, 1).summary().getPromptTokens();
    HostEdgeAgent.Generation g = agent.generate(Stories260k.PROMPT, 100 - promptTokens + 1);
    assertThat(Stories260k.PROMPT + g.text()).isEqualTo(Stories260k.REFERENCE);
    assertThat(g.summary().getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_MAX_TOKENS);
    assertThat(g.summary().getCut()).isEqualTo(1);
    // The start-up line describes the link in words, not as a record's toString.
    assertThat(agent.log())
        .containsPattern("link: RTT [0-9.]+ ms, [0-9.]+ Mbit/s")
        .doesNotContain("LinkEstimate[");
  }

  @Test
  @Order(4)
  void prometheus_scrapesBothServers_andEveryGrafanaPanelHasData() throws Exception {
    HostEdgeAgent agent = edge();
    try (HostPrometheus prometheus =
        new HostPrometheus(
            work,
            Map.of(
                "edgesplit-cloud", "127.0.0.1:" + hostPort(METRICS_PORT),
                "edgesplit-edge", "127.0.0.1:" + agent.metricsPort))) {
      prometheus.awaitTargetsUp();
      agent.generate(Stories260k.PROMPT, 40);
      for (String job : List.of("edgesplit-cloud", "edgesplit-edge")) {
        String q = "edgesplit_token_joules_count{job=\"" + job + "\"}";
        await(q + " > 0")
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> positive(prometheus.query(q)));
      }
      JsonNode dashboard = Yaml.read(Repo.file("deploy/grafana/dashboards/edgesplit.json"));
      for (JsonNode panel : dashboard.path("panels")) {
        for (JsonNode target : panel.path("targets")) {
          String expr =
              target
                  .path("expr")
                  .asText()
                  .replace("$__rate_interval", "1m")
                  .replace("$__interval", "15s");
          await("panel '" + panel.path("title").asText() + "': " + expr)
              .atMost(Duration.ofMinutes(1))
              .pollInterval(Duration.ofSeconds(1))
              .until(() -> hasNumber(prometheus.query(expr)));
        }
      }
    }
  }

  /**
   * Last: stopped while a generation is open (the link slowed so that it is), the worker drains it
   * (the edge gets every token and its summary), logs that it drains and exits 0.
   */
  @Test
  @Order(5)
  void stop_drainsTheOpenSession_andExitsZero() throws Exception {
    HostEdgeAgent agent = edge();
    link.delay(20);
    Iterator<GenerateResponse> stream = agent.open(Stories260k.PROMPT, 200);
    assertThat(stream.next().hasToken()).isTrue();
    long stopAt = System.nanoTime();
    CompletableFuture<Cmd.Result> stop =
        CompletableFuture.supplyAsync(
            () -> engine.run(Duration.ofMinutes(2), "stop", "-t", "60", container));
    int tokens = 1;
    int afterStop = 0;
    GenerateResponse last = null;
    while (stream.hasNext()) {
      last = stream.next();
      if (last.hasToken()) {
        tokens++;
        afterStop += System.nanoTime() > stopAt + TimeUnit.SECONDS.toNanos(1) ? 1 : 0;
      }
    }
    assertThat(last.hasSummary()).isTrue();
    assertThat(last.getSummary().getFinishReason())
        .isEqualTo(FinishReason.FINISH_REASON_MAX_TOKENS);
    assertThat(tokens).isEqualTo(200);
    assertThat(afterStop)
        .as("tokens streamed more than a second after `stop` began: the session was open")
        .isPositive();
    Cmd.Result stopped = stop.get(3, TimeUnit.MINUTES);
    assertThat(stopped.exitCode()).as(stopped.describe()).isZero();
    assertThat(engine.ok("inspect", "--format", "{{.State.ExitCode}}", container)).isEqualTo("0");
    assertThat(logs()).contains("SIGTERM: draining open sessions");
  }

  private synchronized HostEdgeAgent edge() throws IOException {
    if (edge == null) {
      Path dir = Files.createDirectories(work.resolve("edge"));
      edge = new HostEdgeAgent(dir, certs, link.address());
    }
    return edge;
  }

  private int hostPort(int containerPort) {
    String mapped =
        engine.ok("port", container, containerPort + "/tcp").lines().findFirst().orElseThrow();
    return Integer.parseInt(mapped.substring(mapped.lastIndexOf(':') + 1));
  }

  private String logs() {
    Cmd.Result r = engine.run("logs", container);
    return r.stdout() + r.stderr();
  }

  private static boolean positive(JsonNode result) {
    for (JsonNode series : result) {
      if (Double.parseDouble(series.path("value").get(1).asText()) > 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * At least one series with a number (not NaN: a rate over samples that never moved divides 0 by
   * 0).
   */
  private static boolean hasNumber(JsonNode result) {
    for (JsonNode series : result) {
      if (!Double.isNaN(Double.parseDouble(series.path("value").get(1).asText()))) {
        return true;
      }
    }
    return false;
  }
}
