package dev.edgesplit.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SideMetricsTest {

  @Test
  void sharedMeters_carryTheSideTag_andTheJvmMetricsAreBound() {
    SideMetrics metrics = new SideMetrics("cloud");
    metrics.tokens("Tokens sampled").increment(3);
    metrics.tokenJoules("cloud", "Energy per sampled token").record(2.0);
    metrics.stepLatency("Step").record(Duration.ofMillis(5));
    metrics.cut(() -> 4, "Cut");
    metrics.activeSessions(() -> 2, "Live sessions");
    metrics.kvBytes(() -> 1024L, "KV bytes");
    metrics.power(Optional.empty());

    String scrape = metrics.scrape();

    assertThat(scrape)
        .contains(
            "edgesplit_tokens_total{side=\"cloud\"} 3.0",
            "edgesplit_token_joules_bucket{side=\"cloud\",le=\"2.0\"} 1",
            "edgesplit_step_latency_seconds_count{side=\"cloud\"} 1",
            "edgesplit_cut 4.0",
            "edgesplit_active_sessions{side=\"cloud\"} 2.0",
            "edgesplit_kv_bytes{side=\"cloud\"} 1024.0",
            "jvm_memory_used_bytes{",
            "process_uptime_seconds")
        .doesNotContain("edgesplit_power_watts");
  }
}
