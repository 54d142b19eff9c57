package dev.edgesplit.cloud.metrics;

import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.server.metrics.SideMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The cloud worker's Prometheus metrics (names shared with deploy/grafana): tokens, J/token
 * histogram (tag side=cloud), cut, active sessions, KV bytes, power, positions and step latency,
 * registered through {@link SideMetrics} with the JVM and process metrics. Thread-safe.
 */
public final class CloudMetrics implements CloudStepListener {

  private final SideMetrics side = new SideMetrics("cloud");
  private final Counter tokens;
  private final DistributionSummary joules;
  private final Counter positions;
  private final Timer stepLatency;

  /**
   * @param cut the worker's configured cut
   * @param activeSessions live sessions
   * @param kvBytes KV-cache bytes reserved by live sessions
   * @param meter the worker's energy meter, if any
   */
  public CloudMetrics(
      IntSupplier cut,
      IntSupplier activeSessions,
      LongSupplier kvBytes,
      Optional<EnergyMeter> meter) {
    tokens = side.tokens("Tokens sampled");
    joules = side.tokenJoules("cloud", "Energy per sampled token");
    positions =
        Counter.builder("edgesplit.positions")
            .description("Positions computed (prefill and decode)")
            .tag("side", "cloud")
            .register(side.registry());
    stepLatency = side.stepLatency("Worker compute time per step");
    side.cut(cut::getAsInt, "The worker's configured cut");
    side.activeSessions(activeSessions::getAsInt, "Live sessions");
    side.kvBytes(kvBytes::getAsLong, "KV-cache bytes reserved");
    side.power(meter);
  }

  /** Prometheus text exposition of every metric. */
  public String scrape() {
    return side.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return side.registry();
  }

  @Override
  public void onStep(CloudStep step) {
    positions.increment(step.positions());
    stepLatency.record(Duration.ofNanos((long) (step.computeMillis() * 1e6)));
    if (step.sampled()) {
      // Only steps that yield a token count as tokens; the energy of earlier prefill chunks is in
      // the log.
      tokens.increment();
      joules.record(step.energy().joules());
    }
  }
}
