package dev.edgesplit.cloud.metrics;

import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.server.energy.PowerGauge;
import dev.edgesplit.server.metrics.JvmProcessMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The cloud worker's Prometheus metrics (names shared with deploy/grafana): tokens, J/token
 * histogram (tag side=cloud), cut, active sessions, KV bytes, power, bytes received and step
 * latency; and the JVM and process metrics of {@link JvmProcessMetrics}. Thread-safe.
 */
public final class CloudMetrics implements CloudStepListener {

  static final double[] JOULE_BUCKETS = {
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
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
    tokens =
        Counter.builder("edgesplit.tokens")
            .description("Tokens sampled")
            .tag("side", "cloud")
            .register(registry);
    joules =
        DistributionSummary.builder("edgesplit.token.joules")
            .description("Energy per sampled token")
            .tag("side", "cloud")
            .serviceLevelObjectives(JOULE_BUCKETS)
            .register(registry);
    positions =
        Counter.builder("edgesplit.positions")
            .description("Positions computed (prefill and decode)")
            .tag("side", "cloud")
            .register(registry);
    stepLatency =
        Timer.builder("edgesplit.step.latency")
            .description("Worker compute time per step")
            .tag("side", "cloud")
            .publishPercentileHistogram()
            .register(registry);
    JvmProcessMetrics.bindTo(registry);
    Gauge.builder("edgesplit.cut", cut::getAsInt)
        .description("The worker's configured cut")
        .register(registry);
    Gauge.builder("edgesplit.active.sessions", activeSessions::getAsInt)
        .description("Live sessions")
        .tag("side", "cloud")
        .register(registry);
    Gauge.builder("edgesplit.kv.bytes", kvBytes::getAsLong)
        .description("KV-cache bytes reserved")
        .tag("side", "cloud")
        .register(registry);
    meter.ifPresent(
        m -> {
          PowerGauge power = new PowerGauge(m);
          Gauge.builder("edgesplit.power.watts", power::watts)
              .description("Mean power since the previous scrape")
              .tag("side", "cloud")
              .tag("source", m.source().kind())
              .tag("measured", String.valueOf(m.source().measured()))
              .register(registry);
        });
  }

  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
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
