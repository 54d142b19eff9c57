package dev.edgesplit.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.planner.link.LinkEstimate;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveCalibrationTest {

  private static double decodeFrameMs(LinkEstimate link, long bytes) {
    return link.rttMillis() + bytes * 8 / link.bandwidthBitsPerSecond() * 1000;
  }

  @Test
  void liveSteps_slowerThanTheProbe_raiseTheRttAndKeepTheBandwidth() {
    LinkEstimate probed = new LinkEstimate(5, 10e6, 15);

    LinkEstimate refined = LiveCalibration.refinedByLive(probed, 7.5, 1152, 100);

    assertThat(refined.bandwidthBitsPerSecond()).isEqualTo(10e6);
    assertThat(refined.rttMillis()).isCloseTo(7.5 - 0.9216, within(1e-9));
    assertThat(decodeFrameMs(refined, 1152)).isCloseTo(7.5, within(1e-9));
    assertThat(refined.samples()).isEqualTo(115);
  }

  @Test
  void liveSteps_fasterThanTheFrameOverTheProbedRate_areAllLatencyAtTheRateTheySaw() {
    // 1152 B at 1 Mbit/s would take 9.2 ms; a token bucket with room let the frames through in 6
    // ms.
    LinkEstimate probed = new LinkEstimate(2, 1e6, 15);

    LinkEstimate refined = LiveCalibration.refinedByLive(probed, 6.0, 1152, 100);

    assertThat(refined.rttMillis()).isZero();
    assertThat(decodeFrameMs(refined, 1152)).isCloseTo(6.0, within(1e-9));
  }

  private static final LinkEstimate LINK = new LinkEstimate(10.0, 8000.0, 12);

  private static CutPlan plan(LayerProfile profile) {
    return new CutPlanner()
        .plan(profile, LINK, WireDType.FP32, PlanConstraints.defaults(8), PlanGoal.latency());
  }

  private static CutRow row(CutPlan plan, int cut) {
    return plan.rows().stream()
        .filter(r -> r.cut() == cut && !r.edgeOnly())
        .findFirst()
        .orElseThrow();
  }

  @Test
  void liveComputeAtOneCut_scalesEachSidesProfile_soThatCutPredictsIt() {
    LayerProfile profile =
        new LayerProfile(
            "board",
            "model",
            WeightFormat.INT4,
            PlanFixtures.SHAPE,
            PlanFixtures.edge(false),
            PlanFixtures.CLOUD);
    CutRow atTwo = row(plan(profile), 2);
    assertThat(atTwo.edgeMillis()).isCloseTo(6.0, within(1e-9)); // embedding 1 + layers 2 + 3
    assertThat(atTwo.cloudMillis()).isCloseTo(6.0, within(1e-9)); // layer 5 + head 1

    // The edge runs twice as slow as profiled, the cloud a quarter faster.
    LayerProfile calibrated = LiveCalibration.calibrated(profile, atTwo, 12.0, 4.5);
    CutPlan again = plan(calibrated);

    assertThat(row(again, 2).edgeMillis()).isCloseTo(12.0, within(1e-9));
    assertThat(row(again, 2).cloudMillis()).isCloseTo(4.5, within(1e-9));
    assertThat(row(again, 1).edgeMillis()).isCloseTo(6.0, within(1e-9));
    assertThat(row(again, 1).cloudMillis()).isCloseTo(8.25, within(1e-9));
    assertThat(calibrated.edge().layerJoules()).containsExactly(0.04, 0.06, 0.08);
    assertThat(calibrated.edge().idleWatts()).isEqualTo(2.0);
    assertThat(calibrated.cloud().watts()).isEqualTo(100.0);
  }

  @Test
  void noLiveTime_keepsTheProfile() {
    EdgeCosts edge =
        new EdgeCosts(List.of(2.0), List.of(0.02), 1.0, 0.01, null, null, 2.0, 1e-4, "fixture");
    LayerProfile profile =
        new LayerProfile(
            "board",
            "model",
            WeightFormat.INT4,
            new ModelShape(1, 4, 2, 100, 1000, 50),
            edge,
            new CloudCosts(List.of(5.0), 1.0, 100.0));
    CutRow atOne = row(plan(profile), 1);

    assertThat(LiveCalibration.calibrated(profile, atOne, Double.NaN, 0)).isSameAs(profile);
  }
}
