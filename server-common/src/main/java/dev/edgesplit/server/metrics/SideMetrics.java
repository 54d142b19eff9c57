package dev.edgesplit.server.metrics;

import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.server.energy.PowerGauge;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The Prometheus registry of one side of the split ({@code side="edge"} or {@code "cloud"}) and the
 * meters both sides publish under the names deploy/grafana reads: tokens, the J/token histogram,
 * step latency, cut, active sessions, KV bytes and power; plus the JVM and process metrics of
 * {@link JvmProcessMetrics}. Each app registers its own meters on {@link #registry()} and passes
 * its own descriptions. Thread-safe.
 */
public final class SideMetrics {

  /**
   * Bucket bounds of the J/token histogram: from a tiny board's millijoules to a server's tens of
   * joules.
   */
  static final double[] JOULE_BUCKETS = {
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final String side;

  /**
   * A new registry with the JVM and process metrics bound.
   *
   * @param side the {@code side} tag of this app's meters: {@code edge} or {@code cloud}
   */
  public SideMetrics(String side) {
    this.side = Objects.requireNonNull(side);
    JvmProcessMetrics.bindTo(registry);
  }

  /** {@code edgesplit_tokens_total{side}}. */
  public Counter tokens(String description) {
    return Counter.builder("edgesplit.tokens")
        .description(description)
        .tag("side", side)
        .register(registry);
  }

  /**
   * {@code edgesplit_token_joules{side}}, the J/token histogram; {@code side} is a parameter
   * because the edge also records the cloud's share it learns from replies.
   */
  public DistributionSummary tokenJoules(String side, String description) {
    return DistributionSummary.builder("edgesplit.token.joules")
        .description(description)
        .tag("side", side)
        .serviceLevelObjectives(JOULE_BUCKETS)
        .register(registry);
  }

  /** {@code edgesplit_step_latency_seconds{side}}, with a percentile histogram. */
  public Timer stepLatency(String description) {
    return Timer.builder("edgesplit.step.latency")
        .description(description)
        .tag("side", side)
        .publishPercentileHistogram()
        .register(registry);
  }

  /** {@code edgesplit_cut}, read at scrape time (untagged: one cut per deployment). */
  public void cut(Supplier<Number> cut, String description) {
    Gauge.builder("edgesplit.cut", cut).description(description).register(registry);
  }

  /** {@code edgesplit_active_sessions{side}}, read at scrape time. */
  public void activeSessions(Supplier<Number> active, String description) {
    sideGauge("edgesplit.active.sessions", active, description);
  }

  /** {@code edgesplit_kv_bytes{side}}, read at scrape time. */
  public void kvBytes(Supplier<Number> bytes, String description) {
    sideGauge("edgesplit.kv.bytes", bytes, description);
  }

  /**
   * {@code edgesplit_power_watts{side,source,measured}}: the meter's mean power since the previous
   * scrape; nothing without a meter.
   */
  public void power(Optional<EnergyMeter> meter) {
    meter.ifPresent(
        m -> {
          PowerGauge power = new PowerGauge(m);
          Gauge.builder("edgesplit.power.watts", power::watts)
              .description("Mean power since the previous scrape")
              .tag("side", side)
              .tag("source", m.source().kind())
              .tag("measured", String.valueOf(m.source().measured()))
              .register(registry);
        });
  }

  private void sideGauge(String name, Supplier<Number> value, String description) {
    Gauge.builder(name, value).description(description).tag("side", side).register(registry);
  }

  /** Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  /** The registry, for the app's own meters. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
