package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's prometheus on loopback, with deploy/prometheus/prometheus.yml's jobs pointed at this
 * host's addresses (the compose names do not resolve here) and scraped every second; queried over
 * its HTTP API.
 */
final class HostPrometheus implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ObjectMapper json = new ObjectMapper();

  /**
   * {@code targets}: job name of deploy/prometheus/prometheus.yml to the host:port it scrapes here.
   */
  HostPrometheus(Path work, Map<String, String> targets) throws IOException {
    ObjectNode config =
        (ObjectNode)
            new YAMLMapper().readTree(Repo.file("deploy/prometheus/prometheus.yml").toFile());
    ((ObjectNode) config.path("global"))
        .put("scrape_interval", "1s")
        .put("evaluation_interval", "1s");
    for (JsonNode job : config.path("scrape_configs")) {
      String target = targets.get(job.path("job_name").asText());
      assertThat(target).as("a host target for job %s", job.path("job_name")).isNotNull();
      ArrayNode list = ((ObjectNode) job.path("static_configs").get(0)).putArray("targets");
      list.add(target);
    }
    assertThat(config.path("scrape_configs")).hasSize(targets.size());
    Path file = work.resolve("prometheus.yml");
    new YAMLMapper().writeValue(file.toFile(), config);
    port = HostEdgeAgent.freePort();
    log = work.resolve("prometheus.log");
    process =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + file,
                "--storage.tsdb.path=" + work.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    await("prometheus ready, " + log)
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> get("/-/ready").statusCode() == 200);
  }

  /** Every scrape target up (each has been scraped at least once). */
  void awaitTargetsUp() {
    await("all scrape targets up")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              JsonNode active = api("/api/v1/targets").path("data").path("activeTargets");
              boolean up = active.size() > 0;
              for (JsonNode t : active) {
                up &= t.path("health").asText().equals("up");
              }
              return up;
            });
  }

  /** An instant query's result vector (or matrix/scalar) as Prometheus returned it. */
  JsonNode query(String promql) throws IOException, InterruptedException {
    JsonNode body = api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    assertThat(body.path("status").asText()).as("%s -> %s", promql, body).isEqualTo("success");
    return body.path("data").path("result");
  }

  private JsonNode api(String path) throws IOException, InterruptedException {
    return json.readTree(get(path).body());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
