package dev.edgesplit.systest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.metrics.CloudEnergyLogListener;
import dev.edgesplit.cloud.metrics.CloudMetrics;
import dev.edgesplit.cloud.metrics.CloudStepListener;
import dev.edgesplit.engine.energy.EnergyLog;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * What a worker keeps about its steps: its metrics and its energy log lines. Give {@link
 * #listener()} to {@link LoopbackWorker.Builder#listener}.
 */
public final class WorkerRecords {

  private final CloudMetrics metrics =
      new CloudMetrics(() -> 1, () -> 0, () -> 0L, Optional.empty());
  private final List<String> energyLines = Collections.synchronizedList(new ArrayList<>());
  private final CloudEnergyLogListener energyLog =
      new CloudEnergyLogListener(new EnergyLog(energyLines::add));

  public CloudMetrics metrics() {
    return metrics;
  }

  /** The energy log lines so far (a live, synchronized list). */
  public List<String> energyLines() {
    return energyLines;
  }

  /** Feeds every step to the metrics and the energy log. */
  public CloudStepListener listener() {
    return step -> {
      metrics.onStep(step);
      energyLog.onStep(step);
    };
  }

  /**
   * Neither the worker's log lines, its metrics nor its energy lines hold a word of the reference
   * story or a token id, while the energy log and the token counter did record the steps.
   */
  public void assertHoldNoTokenOrText(List<String> workerLogLines) {
    for (String w : List.of("Lily", "park", "ball", "Once upon")) {
      assertThat(workerLogLines).noneMatch(l -> l.contains(w));
      assertThat(metrics.scrape()).doesNotContain(w);
    }
    assertThat(energyLines).isNotEmpty().noneMatch(l -> l.contains("token_id"));
    assertThat(metrics.scrape()).doesNotContain("token_id").contains("edgesplit_tokens_total");
  }
}
