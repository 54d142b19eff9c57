package dev.edgesplit.cloud.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.engine.energy.EnergyLog;
import dev.edgesplit.server.energy.EnergyReading;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CloudMetricsTest {

  @Test
  void scrape_includesJvmAndProcessMetrics() {
    String scrape = new CloudMetrics(() -> 2, () -> 0, () -> 0L, Optional.empty()).scrape();
    assertThat(scrape)
        .contains(
            "jvm_memory_used_bytes{",
            "jvm_gc_",
            "jvm_threads_live_threads",
            "process_cpu_usage",
            "process_uptime_seconds",
            "process_files_open_files",
            "edgesplit_tokens_total");
  }

  @Test
  void perStepLogLines_areOffByDefault_andOnWithLogTokens() {
    assertThat(CloudConfig.load(null, Map.of(), Map.of()).logTokens()).isFalse();
    assertThat(CloudConfig.load(null, Map.of(), Map.of("log.tokens", "true")).logTokens()).isTrue();
    List<String> lines = new ArrayList<>();
    CloudStep step = step();
    new CloudEnergyLogListener(new EnergyLog(lines::add), false).onStep(step);
    assertThat(lines).isEmpty();
    new CloudEnergyLogListener(new EnergyLog(lines::add), true).onStep(step);
    assertThat(lines).hasSize(1);
  }

  private static CloudStep step() {
    return new CloudStep(
        "s", 2, 0, 1, true, 7, 0.5, new EnergyReading(0.001, "estimated", false, "test"));
  }
}
