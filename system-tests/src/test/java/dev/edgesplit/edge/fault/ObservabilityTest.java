package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.metrics.EdgeMetrics;
import dev.edgesplit.edge.metrics.EnergyLogListener;
import dev.edgesplit.engine.energy.EnergyLog;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.server.metrics.MetricsHttpServer;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees of a real edge agent (stories260K, loopback sockets) through a success, a
 * refused request, a malformed one and a cloud outage: the counters and JVM/process metrics on
 * /metrics, one access line per call without the prompt, no per-token lines unless asked, and the
 * drain and stop in the log.
 */
class ObservabilityTest {

  @Test
  void metricsEndpoint_countsRequestsByStatus_breakerChanges_andPublishesJvmAndProcessMetrics()
      throws Exception {
    EdgeMetrics metrics = new EdgeMetrics(() -> 2, Optional::empty, Optional.empty());
    List<String> energyLines = new CopyOnWriteArrayList<>();
    StepListener listeners =
        StepListener.all(
            List.of(metrics, new EnergyLogListener(new EnergyLog(energyLines::add), false)));
    LoopbackWorker a = LoopbackWorker.at(2).config(Map.of("drain_timeout_ms", "1")).start();
    List<String> lines;
    try (LogLines log = new LogLines(true)) {
      try (LoopbackAgent edge =
              LoopbackAgent.at(2)
                  .clouds(List.of(a.port()))
                  .config(Map.of("cloud.retry.deadline_ms", "1000"))
                  .listener(listeners)
                  .start();
          MetricsHttpServer http = MetricsHttpServer.start("127.0.0.1", 0, metrics::scrape)) {
        metrics.watch(edge.server().breaker());
        assertThat(CompiledStories.PROMPT + edge.generate(i -> {}).text())
            .isEqualTo(CompiledStories.REFERENCE);
        assertThatThrownBy(
                () ->
                    Generated.generate(
                        edge.client(), GenerateRequest.newBuilder().setText("").build(), i -> {}))
            .isInstanceOf(StatusRuntimeException.class);
        MalformedRequestTest.refusal(edge, MalformedRequestTest.GARBAGE);
        a.close();
        for (int i = 0; i < 2; i++) {
          assertThatThrownBy(() -> edge.generate(n -> {}))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        }

        String scrape =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + http.port() + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(scrape)
            .contains("edgesplit_requests_total{status=\"OK\"} 1.0")
            .contains("edgesplit_requests_total{status=\"INVALID_ARGUMENT\"} 2.0")
            .contains("edgesplit_requests_total{status=\"UNAVAILABLE\"} 2.0")
            .contains("edgesplit_cloud_breaker_transitions_total{to=\"open\"} 1.0")
            .contains("edgesplit_cloud_breaker_transitions_total{to=\"closed\"} 0.0")
            .contains("edgesplit_cloud_breaker_open 1.0")
            .contains("edgesplit_cloud_recoveries_total 0.0")
            .contains("edgesplit_fallbacks_total 0.0")
            .contains("edgesplit_tokens_total{side=\"edge\"}")
            .contains("jvm_memory_used_bytes{")
            .contains("jvm_threads_live_threads")
            .contains("jvm_gc_")
            .contains("jvm_classes_loaded_classes")
            .contains("process_cpu_usage")
            .contains("process_uptime_seconds")
            .contains("process_files_open_files");
      }
      lines = log.lines();
    } finally {
      a.close();
    }

    List<String> access =
        lines.stream().filter(l -> l.startsWith("INFO edgesplit.access ")).toList();
    assertThat(access).as("one access line per call that reached the service").hasSize(4);
    assertThat(access.get(0))
        .contains("Generate status=OK")
        .contains("client=")
        .contains("duration_ms=")
        .contains("tokens=96")
        .contains("prompt_tokens=5")
        .contains("finish=max_tokens")
        .contains("recoveries=0");
    assertThat(access.get(1)).contains("status=INVALID_ARGUMENT").contains("prompt text is empty");
    assertThat(access.get(2)).contains("status=UNAVAILABLE").contains("127.0.0.1:" + a.port());
    assertThat(String.join("\n", lines))
        .as("the prompt never reaches the log")
        .doesNotContain(CompiledStories.PROMPT);
    assertThat(lines)
        .anyMatch(l -> l.contains("edge agent draining"))
        .anyMatch(l -> l.contains("edge agent stopped"));

    assertThat(energyLines)
        .as("per-token lines are off by default; the summary line stays")
        .hasSize(1);
    assertThat(energyLines.get(0)).contains("\"event\":\"summary\"");
  }
}
