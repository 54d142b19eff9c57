package dev.edgesplit.edge.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.planner.CloudCosts;
import dev.edgesplit.planner.CutPlan;
import dev.edgesplit.planner.CutRow;
import dev.edgesplit.planner.EdgeCosts;
import dev.edgesplit.planner.LayerProfile;
import dev.edgesplit.planner.ModelShape;
import dev.edgesplit.planner.PlanConstraints;
import dev.edgesplit.planner.PlanGoal;
import dev.edgesplit.planner.WireDType;
import dev.edgesplit.planner.link.LinkEstimator;
import dev.edgesplit.planner.link.TransferSample;
import dev.edgesplit.proto.v1.GenerationSummary;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The live planner prices the link with the tokens per round trip that finished generations
 * measured. The profile and link are planner's CutPlannerTest fixture (3 layers, RTT 50 ms, one
 * byte per ms, fp32 wire): under the energy goal edge-only wins at t = 1 (cut 1: 0.1856 J per token
 * against 0.115) and cut 1 wins once t > 3.40 (0.0856 + 0.1 / t J).
 */
class ReplannerTokensPerRoundTripTest {

  private static final double EPS = 1e-6;

  @Test
  void replanAfterSpeculativeGenerations_pricesTheLinkAtTheMeasuredTokensPerRoundTrip() {
    AtomicInteger cut = new AtomicInteger(2);
    Replanner replanner = replanner(cut);
    CutPlan first = replanner.planNow("start");
    assertThat(first.constraints().tokensPerRoundTrip()).isEqualTo(1.0);
    assertThat(first.chosen().orElseThrow().edgeOnly()).isTrue();
    assertThat(cut.get()).as("edge-only is not a cut to serve: stays").isEqualTo(2);

    // Three speculative generations: 180 tokens in 42 round trips (t = 4.29). The first already
    // moves t past the threshold and plans again.
    for (int i = 0; i < 3; i++) {
      replanner.onSummary("s" + i, summary(60, 14, false));
    }
    CutPlan plan = replanner.lastPlan().orElseThrow();
    assertThat(replanner.tokensPerRoundTrip()).isCloseTo(180.0 / 42, within(EPS));
    assertThat(plan.constraints().tokensPerRoundTrip()).isCloseTo(60.0 / 14, within(EPS));
    CutRow chosen = plan.chosen().orElseThrow();
    assertThat(chosen.edgeOnly()).isFalse();
    assertThat(chosen.cut()).isEqualTo(1);
    assertThat(chosen.linkMillis()).isCloseTo(50 / (60.0 / 14) + 16, within(1e-3));
    assertThat(cut.get()).isEqualTo(1);
  }

  @Test
  void oneTokenGenerations_bringTheRttBack_andLocalOnesAreIgnored() {
    AtomicInteger cut = new AtomicInteger(2);
    Replanner replanner = replanner(cut);
    replanner.planNow("start");
    replanner.onSummary("fast", summary(80, 16, false)); // t = 5
    assertThat(replanner.lastPlan().orElseThrow().constraints().tokensPerRoundTrip())
        .isEqualTo(5.0);
    replanner.onSummary("local", summary(500, 1, true)); // finished on the board: no link
    replanner.onSummary("old agent", summary(40, 0, false)); // no round trips reported
    assertThat(replanner.tokensPerRoundTrip()).isEqualTo(5.0);
    CutPlan atFive = replanner.lastPlan().orElseThrow();
    for (int i = 0; i < 7; i++) {
      replanner.onSummary("plain" + i, summary(40, 40, false));
    }
    // The last 8 generations: 80 + 7 x 40 tokens in 16 + 280 round trips.
    assertThat(replanner.tokensPerRoundTrip()).isCloseTo(360.0 / 296, within(EPS));
    CutPlan plan = replanner.lastPlan().orElseThrow();
    assertThat(plan).isNotSameAs(atFive);
    // Planned again whenever t moved by more than 25% (the drift threshold): at 2.14 and 1.47.
    assertThat(plan.constraints().tokensPerRoundTrip())
        .isCloseTo(200.0 / 136, within(EPS))
        .isCloseTo(replanner.tokensPerRoundTrip(), within(0.25 * replanner.tokensPerRoundTrip()));
    assertThat(plan.chosen().orElseThrow().edgeOnly()).isTrue();
    assertThat(cut.get()).as("edge-only is not a cut to serve: stays at 1").isEqualTo(1);
  }

  private static Replanner replanner(AtomicInteger cut) {
    LinkEstimator link = new LinkEstimator(0.2, 0.25);
    // RTT 50 ms and 8000 bit/s: a frame of b bytes takes 50 + b ms.
    link.calibrate(
        List.of(
            new TransferSample(16, 0.066),
            new TransferSample(1016, 1.066),
            new TransferSample(16, 0.066),
            new TransferSample(1016, 1.066)));
    EdgeCosts edge =
        new EdgeCosts(
            List.of(2.0, 3.0, 4.0),
            List.of(0.02, 0.03, 0.04),
            1.0,
            0.01,
            1.5,
            0.015,
            2.0,
            1e-4,
            "fixture (measured)");
    CloudCosts cloud = new CloudCosts(List.of(5.0, 5.0, 5.0), 1.0, 100.0);
    LayerProfile profile =
        new LayerProfile(
            "test-board",
            "model-abc",
            WeightFormat.FP32,
            new ModelShape(3, 4, 2, 100, 1000, 50),
            edge,
            cloud);
    return new Replanner(
        profile,
        WireDType.FP32,
        PlanConstraints.defaults(8),
        PlanGoal.energy(),
        link,
        cut::get,
        cut::set,
        Replanner.Settings.defaults());
  }

  private static GenerationSummary summary(int tokens, int roundTrips, boolean local) {
    return GenerationSummary.newBuilder()
        .setGeneratedTokens(tokens)
        .setRoundTrips(roundTrips)
        .setTokensPerRoundTrip(roundTrips == 0 ? 0 : (double) tokens / roundTrips)
        .setFinishedLocally(local)
        .build();
  }
}
