package dev.edgesplit.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeConfigRecoveryTest {

  @Test
  void cloudTarget_acceptsACommaSeparatedListOfWorkers() {
    EdgeConfig c =
        EdgeConfig.load(null, Map.of(), Map.of("cloud.target", "10.0.0.1:50052, 10.0.0.2:50052,"));
    assertThat(c.cloud().targets()).containsExactly("10.0.0.1:50052", "10.0.0.2:50052");
    assertThatThrownBy(() -> EdgeConfig.load(null, Map.of(), Map.of("cloud.target", " , ")))
        .hasMessageContaining("cloud.target names no worker");
  }

  @Test
  void recovery_defaultsAndOverrides() {
    EdgeConfig d = EdgeConfig.load(null, Map.of(), Map.of());
    assertThat(d.recovery().fallback()).isEqualTo(EdgeConfig.Fallback.NONE);
    assertThat(d.recovery().deadline()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.recovery().probeInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.logTokens()).as("per-token log lines are off by default").isFalse();
    EdgeConfig c =
        EdgeConfig.load(
            null,
            Map.of(),
            Map.of(
                "cloud.fallback",
                "LOCAL",
                "cloud.retry.deadline_ms",
                "1500",
                "cloud.retry.initial_backoff_ms",
                "10",
                "cloud.retry.max_backoff_ms",
                "20",
                "cloud.breaker.probe_interval_ms",
                "250ms",
                "log.tokens",
                "true"));
    assertThat(c.recovery())
        .isEqualTo(
            new EdgeConfig.Recovery(
                Duration.ofMillis(10),
                Duration.ofMillis(20),
                Duration.ofMillis(1500),
                EdgeConfig.Fallback.LOCAL,
                Duration.ofMillis(250)));
    assertThat(c.logTokens()).isTrue();
    assertThatThrownBy(() -> EdgeConfig.load(null, Map.of(), Map.of("cloud.fallback", "peer")))
        .hasMessageContaining("cloud.fallback must be none or local");
  }
}
