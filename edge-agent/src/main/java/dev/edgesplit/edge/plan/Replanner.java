package dev.edgesplit.edge.plan;

import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.generate.StepRecord;
import dev.edgesplit.planner.CutPlan;
import dev.edgesplit.planner.CutPlanner;
import dev.edgesplit.planner.CutRow;
import dev.edgesplit.planner.EdgeCosts;
import dev.edgesplit.planner.LayerProfile;
import dev.edgesplit.planner.PlanConstraints;
import dev.edgesplit.planner.PlanGoal;
import dev.edgesplit.planner.WireDType;
import dev.edgesplit.planner.link.LinkEstimate;
import dev.edgesplit.planner.link.LinkEstimator;
import dev.edgesplit.planner.link.TransferSample;
import dev.edgesplit.proto.v1.GenerationSummary;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-plans the cut while the agent serves. Watches every decode step: its link time refines the
 * {@link LinkEstimator}, and its edge time, compared with the profile's prediction for the current
 * cut, tracks how much slower (thermal throttling) or faster the board runs than when it was
 * profiled (median over a window of decode steps, against a per-cut baseline learned when the cut
 * is first served). When bandwidth or RTT drifted past the estimator's threshold, or the edge
 * slowdown moved by more than {@code edgeDriftThreshold}, it prices every cut again with the edge
 * times scaled by the observed slowdown and the current link, and switches new generations to the
 * chosen cut (running ones finish on theirs).
 *
 * <p>With speculative decoding a round trip carries several tokens, so each pays only RTT / t of
 * the link's latency: every finished generation's round trips and tokens feed t, generated tokens
 * over round trips (prefill included, as in the summary) of the last {@value #GENERATIONS}
 * generations that reached the cloud, and each plan prices the link with it. When t moved by more
 * than {@code edgeDriftThreshold} since the last plan, the cut is planned again. Thread-safe.
 */
public final class Replanner implements StepListener {

  private static final Logger LOG = LoggerFactory.getLogger(Replanner.class);

  /** Finished generations whose tokens per round trip the plans use. */
  static final int GENERATIONS = 8;

  private final LayerProfile profile;
  private final WireDType wire;
  private final PlanConstraints constraints;
  private final PlanGoal goal;
  private final LinkEstimator link;
  private final IntSupplier currentCut;
  private final IntConsumer switchTo;
  private final Settings settings;
  private final CutPlanner planner = new CutPlanner();

  private double ewmaRatio = Double.NaN;
  private final java.util.ArrayDeque<Double> window = new java.util.ArrayDeque<>();
  private int stepsSinceCheck;

  /**
   * Per cut: measured/predicted edge time at the profiled speed (per-step overheads the profile
   * misses).
   */
  private final java.util.Map<Integer, Double> baselineRatio = new java.util.HashMap<>();

  private double edgeScale = 1.0;
  private final java.util.ArrayDeque<int[]> trips = new java.util.ArrayDeque<>(); // {tokens, trips}
  private double plannedTokensPerRoundTrip = 1.0;
  private int replans;
  private CutPlan lastPlan;

  /**
   * Tuning.
   *
   * @param edgeDriftThreshold relative change of the edge slowdown that triggers a re-plan (0.25 =
   *     25%)
   * @param alpha reserved (the edge-time ratio is a median over the window, not an EWMA)
   * @param checkEvery decode steps between drift checks, and the median window
   * @param minEdgeMillis below this predicted edge time the ratio is too noisy to watch
   */
  public record Settings(
      double edgeDriftThreshold, double alpha, int checkEvery, double minEdgeMillis) {
    public Settings {
      if (!(edgeDriftThreshold > 0)
          || !(alpha > 0 && alpha <= 1)
          || checkEvery < 1
          || !(minEdgeMillis >= 0)) {
        throw new IllegalArgumentException(
            "replan settings out of range: "
                + edgeDriftThreshold
                + ", "
                + alpha
                + ", "
                + checkEvery
                + ", "
                + minEdgeMillis);
      }
    }

    public static Settings defaults() {
      return new Settings(0.25, 0.2, 16, 0.05);
    }
  }

  public Replanner(
      LayerProfile profile,
      WireDType wire,
      PlanConstraints constraints,
      PlanGoal goal,
      LinkEstimator link,
      IntSupplier currentCut,
      IntConsumer switchTo,
      Settings settings) {
    this.profile = Objects.requireNonNull(profile, "profile");
    this.wire = Objects.requireNonNull(wire, "wire");
    this.constraints = Objects.requireNonNull(constraints, "constraints");
    this.goal = Objects.requireNonNull(goal, "goal");
    this.link = Objects.requireNonNull(link, "link");
    this.currentCut = Objects.requireNonNull(currentCut, "currentCut");
    this.switchTo = Objects.requireNonNull(switchTo, "switchTo");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** Plans with the current link and edge scale, switches to the choice, and returns the plan. */
  public synchronized CutPlan planNow(String reason) {
    double t = tokensPerRoundTrip();
    CutPlan plan =
        planner.plan(
            profile.scaled(edgeScale, 1.0),
            link.current(),
            wire,
            constraints.withTokensPerRoundTrip(t),
            goal);
    lastPlan = plan;
    plannedTokensPerRoundTrip = t;
    Optional<CutRow> chosen = plan.chosen().filter(r -> !r.edgeOnly());
    if (chosen.isEmpty()) {
      LOG.warn(
          "re-plan ({}): no feasible split cut; staying at cut {}", reason, currentCut.getAsInt());
      return plan;
    }
    int from = currentCut.getAsInt();
    int to = chosen.get().cut();
    replans++;
    LOG.info(
        String.format(
            Locale.ROOT,
            "re-plan (%s): edge x%.2f, link RTT %.3f ms, %.3f Mbit/s, %.2f tokens per round trip:"
                + " cut %d -> %d",
            reason,
            edgeScale,
            link.current().rttMillis(),
            link.current().bandwidthBitsPerSecond() / 1e6,
            t,
            from,
            to));
    if (to != from) {
      switchTo.accept(to);
      ewmaRatio = Double.NaN;
      window.clear();
    }
    link.rebaseline();
    stepsSinceCheck = 0;
    return plan;
  }

  @Override
  public synchronized void onStep(StepRecord step) {
    if (step.prefill() || step.cut() != currentCut.getAsInt()) {
      return;
    }
    link.observe(new TransferSample(step.bytesSent(), step.linkMillis() / 1000));
    double predicted = predictedEdgeMillis(step.cut());
    if (predicted >= settings.minEdgeMillis()) {
      window.addLast(step.edgeMillis() / predicted);
      while (window.size() > settings.checkEvery()) {
        window.removeFirst();
      }
    }
    if (++stepsSinceCheck < settings.checkEvery()) {
      return;
    }
    stepsSinceCheck = 0;
    // The median of the last window, not a mean: one step delayed by a busy core must not look like
    // throttling.
    ewmaRatio =
        window.size() < settings.checkEvery()
            ? Double.NaN
            : window.stream()
                .mapToDouble(Double::doubleValue)
                .sorted()
                .skip(window.size() / 2)
                .findFirst()
                .orElseThrow();
    if (Double.isNaN(ewmaRatio)) {
      if (link.drifted()) {
        planNow("link drifted");
      }
      return;
    }
    Double baseline = baselineRatio.get(step.cut());
    if (baseline == null) {
      // What "as profiled" looks like in serving at this cut, normalised by the slowdown believed
      // in force now.
      baselineRatio.put(step.cut(), ewmaRatio / edgeScale);
      return;
    }
    double observedScale = ewmaRatio / baseline;
    if (Math.abs(observedScale / edgeScale - 1) > settings.edgeDriftThreshold()) {
      String reason =
          String.format(
              Locale.ROOT, "edge time x%.2f of profile (was x%.2f)", observedScale, edgeScale);
      edgeScale = observedScale;
      planNow(reason);
    } else if (link.drifted()) {
      planNow("link drifted");
    }
  }

  /**
   * Counts a finished generation's round trips; plans again when the tokens per round trip moved
   * past the drift threshold since the last plan. Generations finished on the board, or that made
   * no round trip (an older agent's summary), say nothing about the link.
   */
  @Override
  public synchronized void onSummary(String sessionId, GenerationSummary summary) {
    if (summary.getRoundTrips() == 0
        || summary.getFinishedLocally()
        || summary.getGeneratedTokens() == 0) {
      return;
    }
    trips.addLast(new int[] {summary.getGeneratedTokens(), summary.getRoundTrips()});
    while (trips.size() > GENERATIONS) {
      trips.removeFirst();
    }
    double t = tokensPerRoundTrip();
    if (Math.abs(t / plannedTokensPerRoundTrip - 1) > settings.edgeDriftThreshold()) {
      planNow(
          String.format(
              Locale.ROOT,
              "%.2f tokens per round trip (planned with %.2f)",
              t,
              plannedTokensPerRoundTrip));
    }
  }

  /**
   * Generated tokens per round trip over the last {@value #GENERATIONS} generations (at least 1; 1
   * before any).
   */
  public synchronized double tokensPerRoundTrip() {
    long tokens = 0;
    long roundTrips = 0;
    for (int[] g : trips) {
      tokens += g[0];
      roundTrips += g[1];
    }
    return roundTrips == 0 ? 1.0 : Math.max(1.0, (double) tokens / roundTrips);
  }

  /** Re-plans done so far (including the initial one). */
  public synchronized int replans() {
    return replans;
  }

  /** How much slower than profiled the edge is believed to run now. */
  public synchronized double edgeScale() {
    return edgeScale;
  }

  public synchronized Optional<CutPlan> lastPlan() {
    return Optional.ofNullable(lastPlan);
  }

  /** The link estimate the plans use. */
  public LinkEstimate linkEstimate() {
    return link.current();
  }

  private double predictedEdgeMillis(int cut) {
    EdgeCosts e = profile.edge();
    double sum = e.embeddingMillis();
    for (int i = 0; i < cut; i++) {
      sum += e.layerMillis().get(i);
    }
    return sum;
  }
}
