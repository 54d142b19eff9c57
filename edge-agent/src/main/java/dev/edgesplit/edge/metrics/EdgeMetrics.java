package dev.edgesplit.edge.metrics;

import dev.edgesplit.edge.generate.RequestOutcome;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.generate.StepRecord;
import dev.edgesplit.edge.link.CloudBreaker;
import dev.edgesplit.edge.speculate.DraftSources;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.planner.link.LinkEstimate;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.energy.PowerGauge;
import dev.edgesplit.server.metrics.JvmProcessMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The edge agent's Prometheus metrics (names shared with deploy/grafana): tokens, J/token
 * histogram, cut, link bandwidth and RTT, active sessions, KV bytes, power, bytes sent and step
 * latency; Generate calls by status ({@code edgesplit_requests_total{status}}), cloud recoveries
 * and local fallbacks of finished generations, the cloud circuit breaker ({@link #watch});
 * speculation by draft source (round trips, tokens per round trip, drafted tokens accepted and
 * rejected, from each generation's summary); and the JVM and process metrics of {@link
 * JvmProcessMetrics}. Fed by the generations as a {@link StepListener}; gauges read their sources
 * at scrape time. Thread-safe.
 */
public final class EdgeMetrics implements StepListener {

  /**
   * Bucket bounds of the J/token histogram: from a tiny board's millijoules to a server's tens of
   * joules.
   */
  static final double[] JOULE_BUCKETS = {
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter tokens;
  private final DistributionSummary joules;
  private final DistributionSummary cloudJoules;
  private final Counter bytesSent;
  private final Timer stepLatency;
  private final Counter recoveries;
  private final Counter fallbacks;
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong kvBytes = new AtomicLong();

  /**
   * @param cut the cut new generations use
   * @param link the current link estimate, empty before the first probe
   * @param meter the edge energy meter, if any (for the power gauge)
   */
  public EdgeMetrics(
      IntSupplier cut, Supplier<Optional<LinkEstimate>> link, Optional<EnergyMeter> meter) {
    tokens =
        Counter.builder("edgesplit.tokens")
            .description("Tokens generated")
            .tag("side", "edge")
            .register(registry);
    joules = joules("edge");
    cloudJoules = joules("cloud");
    bytesSent =
        Counter.builder("edgesplit.bytes.sent")
            .description("Hidden-state payload bytes sent to the cloud")
            .register(registry);
    stepLatency =
        Timer.builder("edgesplit.step.latency")
            .description("Edge compute + cloud round trip per step")
            .tag("side", "edge")
            .publishPercentileHistogram()
            .register(registry);
    recoveries =
        Counter.builder("edgesplit.cloud.recoveries")
            .description(
                "Times finished generations moved to a new cloud session after losing theirs")
            .register(registry);
    fallbacks =
        Counter.builder("edgesplit.fallbacks")
            .description("Generations that finished on the board's local fallback")
            .register(registry);
    JvmProcessMetrics.bindTo(registry);
    Gauge.builder("edgesplit.cut", cut::getAsInt)
        .description("Layers run on the edge for new generations")
        .register(registry);
    Gauge.builder(
            "edgesplit.link.bandwidth.bits.per.second",
            () -> link.get().map(LinkEstimate::bandwidthBitsPerSecond).orElse(Double.NaN))
        .description("Estimated edge-to-cloud bandwidth")
        .register(registry);
    Gauge.builder(
            "edgesplit.link.rtt.seconds",
            () -> link.get().map(l -> l.rttMillis() / 1000).orElse(Double.NaN))
        .description("Estimated edge-to-cloud round-trip time")
        .register(registry);
    Gauge.builder("edgesplit.active.sessions", active::get)
        .description("Generations running")
        .tag("side", "edge")
        .register(registry);
    Gauge.builder("edgesplit.kv.bytes", kvBytes::get)
        .description("KV-cache bytes held by running generations")
        .tag("side", "edge")
        .register(registry);
    meter.ifPresent(
        m -> {
          PowerGauge power = new PowerGauge(m);
          Gauge.builder("edgesplit.power.watts", power::watts)
              .description("Mean power since the previous scrape")
              .tag("side", "edge")
              .tag("source", m.source().kind())
              .tag("measured", String.valueOf(m.source().measured()))
              .register(registry);
        });
  }

  private DistributionSummary joules(String side) {
    return DistributionSummary.builder("edgesplit.token.joules")
        .description("Energy per generated token")
        .tag("side", side)
        .serviceLevelObjectives(JOULE_BUCKETS)
        .register(registry);
  }

  /**
   * Publishes {@code breaker}: {@code edgesplit_cloud_breaker_open} (1 while the cloud is marked
   * down) and {@code edgesplit_cloud_breaker_transitions_total{to="open"|"closed"}}.
   */
  public void watch(CloudBreaker breaker) {
    Gauge.builder("edgesplit.cloud.breaker.open", () -> breaker.isOpen() ? 1 : 0)
        .description("1 while the cloud is marked down (circuit breaker open)")
        .register(registry);
    FunctionCounter.builder("edgesplit.cloud.breaker.transitions", breaker, CloudBreaker::openings)
        .description("Circuit breaker changes")
        .tag("to", "open")
        .register(registry);
    FunctionCounter.builder("edgesplit.cloud.breaker.transitions", breaker, CloudBreaker::closings)
        .description("Circuit breaker changes")
        .tag("to", "closed")
        .register(registry);
  }

  /** Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void sessionOpened(String sessionId, long kv) {
    active.incrementAndGet();
    kvBytes.addAndGet(kv);
  }

  @Override
  public void sessionClosed(String sessionId, long kv) {
    active.decrementAndGet();
    kvBytes.addAndGet(-kv);
  }

  @Override
  public void requestEnded(RequestOutcome outcome) {
    Counter.builder("edgesplit.requests")
        .description("Generate calls by final status")
        .tag("status", outcome.status().name())
        .register(registry)
        .increment();
    recoveries.increment(outcome.recoveries());
    if (outcome.finishedLocally()) {
      fallbacks.increment();
    }
  }

  /**
   * Speculation of a finished generation, tagged by its draft source: {@code
   * edgesplit_round_trips_total}, {@code edgesplit_tokens_per_round_trip} (one sample per
   * generation) and {@code edgesplit_draft_tokens_total{outcome="accepted"|"rejected"}}.
   */
  @Override
  public void onSummary(String sessionId, GenerationSummary summary) {
    if (summary.getRoundTrips() == 0) {
      return;
    }
    String source = DraftSources.name(summary.getDraftSource());
    Counter.builder("edgesplit.round.trips")
        .description("Round trips to the cloud after the prefill, by draft source")
        .tag("draft_source", source)
        .register(registry)
        .increment(summary.getRoundTrips());
    DistributionSummary.builder("edgesplit.tokens.per.round.trip")
        .description("Generated tokens per round trip, one sample per generation")
        .tag("draft_source", source)
        .register(registry)
        .record(summary.getTokensPerRoundTrip());
    int drafted = summary.getDraftedTokens();
    int accepted = Math.min(drafted, summary.getAcceptedDraftTokens());
    draftTokens(source, "accepted").increment(accepted);
    draftTokens(source, "rejected").increment(drafted - accepted);
  }

  private Counter draftTokens(String source, String outcome) {
    return Counter.builder("edgesplit.draft.tokens")
        .description("Draft tokens sent for verification, by draft source and outcome")
        .tag("draft_source", source)
        .tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void onStep(StepRecord step) {
    tokens.increment();
    joules.record(step.edge().joules());
    cloudJoules.record(step.cloudJoules());
    bytesSent.increment(step.bytesSent());
    stepLatency.record(Duration.ofNanos((long) (step.latencyMillis() * 1e6)));
  }
}
