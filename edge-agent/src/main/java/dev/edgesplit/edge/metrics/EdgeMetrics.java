package dev.edgesplit.edge.metrics;

import dev.edgesplit.edge.generate.RequestOutcome;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.generate.StepRecord;
import dev.edgesplit.edge.link.CloudBreaker;
import dev.edgesplit.edge.speculate.DraftSources;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.planner.link.LinkEstimate;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.metrics.SideMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
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
 * rejected, from each generation's summary); and, through {@link SideMetrics}, the JVM and process
 * metrics. Fed by the generations as a {@link StepListener}; gauges read their sources at scrape
 * time. Thread-safe.
 */
public final class EdgeMetrics implements StepListener {

  private final SideMetrics side = new SideMetrics("edge");
  private final PrometheusMeterRegistry registry = side.registry();
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
    tokens = side.tokens("Tokens generated");
    joules = side.tokenJoules("edge", "Energy per generated token");
    cloudJoules = side.tokenJoules("cloud", "Energy per generated token");
    bytesSent =
        Counter.builder("edgesplit.bytes.sent")
            .description("Hidden-state payload bytes sent to the cloud")
            .register(registry);
    stepLatency = side.stepLatency("Edge compute + cloud round trip per step");
    recoveries =
        Counter.builder("edgesplit.cloud.recoveries")
            .description(
                "Times finished generations moved to a new cloud session after losing theirs")
            .register(registry);
    fallbacks =
        Counter.builder("edgesplit.fallbacks")
            .description("Generations that finished on the board's local fallback")
            .register(registry);
    side.cut(cut::getAsInt, "Layers run on the edge for new generations");
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
    side.activeSessions(active::get, "Generations running");
    side.kvBytes(kvBytes::get, "KV-cache bytes held by running generations");
    side.power(meter);
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
    return side.scrape();
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
