package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml, the Prometheus scrape config and the provisioned Grafana dashboard fit
 * together.
 */
class ComposeAndMonitoringTest {
  /** The metric names the apps export (Micrometer names after Prometheus conversion). */
  static final Set<String> METRICS =
      Set.of(
          "edgesplit_tokens_total",
          "edgesplit_token_joules",
          "edgesplit_cut",
          "edgesplit_link_bandwidth_bits_per_second",
          "edgesplit_link_rtt_seconds",
          "edgesplit_active_sessions",
          "edgesplit_kv_bytes");

  /**
   * Validates with the Compose implementation itself: `docker compose` (v2) or `docker-compose`
   * (v1).
   */
  @Test
  void compose_validatesWithComposeItself(@TempDir Path work) throws IOException {
    List<String> compose = composeCommand();
    assumeTrue(
        compose != null,
        "neither `docker compose` nor `docker-compose` can run here:"
            + " install one (deploy-tests/setup.sh installs Debian's docker-compose) to validate the file");
    List<String> cmd = new ArrayList<>(compose);
    cmd.addAll(
        List.of(
            "-f", Repo.file("docker-compose.yml").toString(), "--profile", "edge", "config", "-q"));
    Cmd.Result ok = Cmd.of(cmd).dir(Repo.root()).run();
    assertThat(ok.exitCode()).as(ok.describe()).isZero();

    // ...and that same validator rejects a typo, so the check above means something.
    Path broken = work.resolve("docker-compose.yml");
    Files.writeString(
        broken,
        Files.readString(Repo.file("docker-compose.yml"))
            .replace("    stop_grace_period: 30s", "    stop_grace_periodd: 30s"));
    cmd.set(cmd.indexOf(Repo.file("docker-compose.yml").toString()), broken.toString());
    Cmd.Result bad = Cmd.of(cmd).dir(work).run();
    assertThat(bad.exitCode()).as(bad.describe()).isNotZero();
    assertThat(bad.stdout() + bad.stderr()).contains("stop_grace_periodd");
  }

  @Test
  void compose_servicesBuildFromTheDockerfile_andMountFilesThatExist() {
    JsonNode compose = Yaml.read(Repo.file("docker-compose.yml"));
    JsonNode services = compose.path("services");
    assertThat(services.fieldNames())
        .toIterable()
        .contains("cloud-worker", "prometheus", "grafana", "edge-agent");
    JsonNode build = services.path("cloud-worker").path("build");
    assertThat(
            Repo.root()
                .resolve(build.path("context").asText())
                .resolve(build.path("dockerfile").asText()))
        .isRegularFile();
    for (var it = services.fields(); it.hasNext(); ) {
      var svc = it.next();
      assertThat(svc.getValue().has("image")).as("service %s has an image", svc.getKey()).isTrue();
      for (JsonNode v : svc.getValue().path("volumes")) {
        String host = v.asText().split(":")[0];
        if (host.startsWith("./") && !host.startsWith("./deploy/tls/out")) {
          assertThat(Repo.root().resolve(host)).as("%s mounts %s", svc.getKey(), host).exists();
        }
      }
    }
    assertThat(
            services
                .path("edge-agent")
                .path("depends_on")
                .path("cloud-worker")
                .path("condition")
                .asText())
        .isEqualTo("service_healthy");
  }

  @Test
  void prometheus_scrapesBothAppsAtTheirConfiguredMetricsPorts() {
    JsonNode prom = Yaml.read(Repo.file("deploy/prometheus/prometheus.yml"));
    List<String> targets = new ArrayList<>();
    for (JsonNode job : prom.path("scrape_configs")) {
      assertThat(job.path("metrics_path").asText("/metrics")).isEqualTo("/metrics");
      for (JsonNode sc : job.path("static_configs")) {
        sc.path("targets").forEach(t -> targets.add(t.asText()));
        assertThat(sc.path("labels").has("side"))
            .as("a target label 'side' would clash with the metrics' tag")
            .isFalse();
      }
    }
    String cloudMetrics =
        Yaml.read(Repo.file("deploy/docker/cloud.yaml")).path("metrics").path("listen").asText();
    String edgeMetrics =
        Yaml.read(Repo.file("deploy/docker/edge.yaml")).path("metrics").path("listen").asText();
    assertThat(targets)
        .contains("cloud-worker:" + port(cloudMetrics), "edge-agent:" + port(edgeMetrics));
    JsonNode services = Yaml.read(Repo.file("docker-compose.yml")).path("services");
    for (String t : targets) {
      String host = t.substring(0, t.indexOf(':'));
      assertThat(services.has(host) || host.equals("host.docker.internal"))
          .as("scrape target %s", t)
          .isTrue();
    }
  }

  @Test
  void grafana_datasourcePointsAtComposePrometheus_andProviderAtTheMountedDashboards() {
    JsonNode ds =
        Yaml.read(Repo.file("deploy/grafana/provisioning/datasources/prometheus.yml"))
            .path("datasources")
            .get(0);
    assertThat(ds.path("type").asText()).isEqualTo("prometheus");
    assertThat(ds.path("url").asText()).isEqualTo("http://prometheus:9090");
    JsonNode provider =
        Yaml.read(Repo.file("deploy/grafana/provisioning/dashboards/edgesplit.yml"))
            .path("providers")
            .get(0);
    String path = provider.path("options").path("path").asText();
    JsonNode grafana = Yaml.read(Repo.file("docker-compose.yml")).path("services").path("grafana");
    assertThat(grafana.path("volumes"))
        .anyMatch(v -> v.asText().equals("./deploy/grafana/dashboards:" + path + ":ro"));
  }

  @Test
  void dashboard_usesExactlyTheExportedMetrics_withTheProvisionedDatasource() {
    JsonNode dash = Yaml.read(Repo.file("deploy/grafana/dashboards/edgesplit.json"));
    String dsUid =
        Yaml.read(Repo.file("deploy/grafana/provisioning/datasources/prometheus.yml"))
            .path("datasources")
            .get(0)
            .path("uid")
            .asText();
    assertThat(dash.path("uid").asText()).isNotBlank();
    Set<String> used = new TreeSet<>();
    Set<Integer> ids = new TreeSet<>();
    Pattern name = Pattern.compile("\\bedgesplit_[a-z_]+");
    for (JsonNode panel : dash.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt())).as("panel ids unique").isTrue();
      assertThat(panel.path("datasource").path("uid").asText()).isEqualTo(dsUid);
      assertThat(panel.path("targets"))
          .as("panel %s has queries", panel.path("title"))
          .isNotEmpty();
      for (JsonNode t : panel.path("targets")) {
        String expr = t.path("expr").asText();
        assertThat(balanced(expr)).as("balanced brackets in %s", expr).isTrue();
        Matcher m = name.matcher(expr);
        while (m.find()) {
          String base = m.group().replaceAll("_(sum|count|bucket)$", "");
          assertThat(METRICS).as("metric in %s", expr).contains(base);
          used.add(base);
        }
      }
    }
    assertThat(used).containsExactlyInAnyOrderElementsOf(METRICS);
    String all = dash.toString();
    assertThat(all).contains("side=\\\"edge\\\"").contains("side=\\\"cloud\\\"");
  }

  private static boolean balanced(String s) {
    int depth = 0;
    for (char c : s.toCharArray()) {
      if (c == '(' || c == '{' || c == '[') {
        depth++;
      } else if (c == ')' || c == '}' || c == ']') {
        if (--depth < 0) {
          return false;
        }
      }
    }
    return depth == 0;
  }

  private static String port(String hostPort) {
    return hostPort.substring(hostPort.lastIndexOf(':') + 1);
  }

  private static List<String> composeCommand() {
    if (Cmd.onPath("docker") && Cmd.of("docker", "compose", "version").run().exitCode() == 0) {
      return List.of("docker", "compose");
    }
    if (Cmd.onPath("docker-compose") && Cmd.of("docker-compose", "version").run().exitCode() == 0) {
      return List.of("docker-compose");
    }
    return null;
  }
}
