package dev.edgesplit.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.planner.link.LinkEstimate;
import java.util.List;
import org.junit.jupiter.api.Test;

class CutPlannerTest {

  private static final double EPS = 1e-9;
  private final CutPlanner planner = new CutPlanner();

  private CutPlan plan(boolean edgeHead, PlanConstraints c, PlanGoal goal) {
    return planner.plan(PlanFixtures.profile(edgeHead), PlanFixtures.LINK, WireDType.FP32, c, goal);
  }

  /*
   * Hand computation, fp32 wire: bytes = 4 x 4 = 16, link = 10 + 16 = 26 ms.
   *  k  edge ms      cloud ms        latency  edge J                                        cloud J
   *  0  1            15+1 = 16       43       0.01 + 0.0016 + 2 x (26+16)/1000 = 0.0956     1.6
   *  1  1+2 = 3      10+1 = 11       40       0.03 + 0.0016 + 2 x 37/1000     = 0.1056     1.1
   *  2  6            6               38       0.06 + 0.0016 + 0.064           = 0.1256     0.6
   *  3  10           1               37       0.10 + 0.0016 + 0.054           = 0.1556     0.1
   *  edge-only: 10 + 1.5 = 11.5 ms, 0.10 + 0.015 = 0.115 J, no link, no cloud.
   * Memory at context 8, fp32 weights: 400 k + 1000 + 2 x k x 2 x 8 x 4 = 1000, 1528, 2056, 2584; edge-only
   * adds the 50-byte head: 2634.
   */
  @Test
  void plan_matchesHandComputedPredictions_forThreeLayers() {
    CutPlan p = plan(true, PlanConstraints.defaults(8), PlanGoal.energy());
    assertThat(p.rows()).hasSize(5);
    double[] latency = {43, 40, 38, 37, 11.5};
    double[] edgeJ = {0.0956, 0.1056, 0.1256, 0.1556, 0.115};
    double[] cloudJ = {1.6, 1.1, 0.6, 0.1, 0};
    long[] memory = {1000, 1528, 2056, 2584, 2634};
    long[] bytes = {16, 16, 16, 16, 0};
    for (int i = 0; i < 5; i++) {
      CutRow r = p.rows().get(i);
      assertThat(r.latencyMillis()).as("latency of row %d", i).isCloseTo(latency[i], within(EPS));
      assertThat(r.edgeJoulesPerToken()).as("edge J of row %d", i).isCloseTo(edgeJ[i], within(EPS));
      assertThat(r.cloudJoulesPerToken())
          .as("cloud J of row %d", i)
          .isCloseTo(cloudJ[i], within(EPS));
      assertThat(r.edgeMemoryBytes()).as("memory of row %d", i).isEqualTo(memory[i]);
      assertThat(r.bytesPerToken()).isEqualTo(bytes[i]);
    }
    assertThat(p.rows().get(4).edgeOnly()).isTrue();
    assertThat(p.rows().get(4).cut()).isEqualTo(3);
    assertThat(p.rows().get(1).linkMillis()).isCloseTo(26, within(EPS));
    assertThat(p.edgeEnergySource()).isEqualTo("fixture (measured)");
  }

  /*
   * RTT 50 ms, t tokens per round trip, fp32 wire: link = 50 / t + 16 ms (every position's 16 bytes
   * still cross). Energy goal, privacy floor 1: cut 1 costs 0.03 + 0.0016 + 2 x (50/t + 16 + 11) / 1000
   * = 0.0856 + 0.1 / t J against edge-only's 0.115 J, so the split wins once t > 3.40:
   * t = 1: 0.1856, t = 3: 0.1190 (edge-only); t = 4: 0.1106 (cut 1, link 28.5 ms).
   */
  @Test
  void tokensPerRoundTrip_shareTheRtt_andMoveTheChoiceFromEdgeOnlyToASplit() {
    LinkEstimate slow = new LinkEstimate(50.0, 8000.0, 12);
    PlanConstraints c = PlanConstraints.defaults(8);
    assertThat(c.tokensPerRoundTrip()).isEqualTo(1);
    CutPlan one =
        planner.plan(PlanFixtures.profile(true), slow, WireDType.FP32, c, PlanGoal.energy());
    assertThat(one.rows().get(1).linkMillis()).isCloseTo(66, within(EPS));
    assertThat(one.rows().get(1).edgeJoulesPerToken()).isCloseTo(0.1856, within(EPS));
    assertThat(one.chosen().orElseThrow().edgeOnly()).isTrue();
    CutPlan three =
        planner.plan(
            PlanFixtures.profile(true),
            slow,
            WireDType.FP32,
            c.withTokensPerRoundTrip(3),
            PlanGoal.energy());
    assertThat(three.chosen().orElseThrow().edgeOnly()).isTrue();
    CutPlan four =
        planner.plan(
            PlanFixtures.profile(true),
            slow,
            WireDType.FP32,
            c.withTokensPerRoundTrip(4),
            PlanGoal.energy());
    CutRow chosen = four.chosen().orElseThrow();
    assertThat(chosen.edgeOnly()).isFalse();
    assertThat(chosen.cut()).isEqualTo(1);
    assertThat(chosen.linkMillis()).isCloseTo(28.5, within(EPS));
    assertThat(chosen.bytesPerToken()).isEqualTo(16);
    assertThat(chosen.edgeJoulesPerToken()).isCloseTo(0.1106, within(EPS));
    assertThat(four.rows().get(4).edgeJoulesPerToken()).isCloseTo(0.115, within(EPS));
    assertThatThrownBy(() -> c.withTokensPerRoundTrip(0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(">= 1");
  }

  @Test
  void plan_withoutEdgeHead_hasNoEdgeOnlyRow_andCutNStillUsesTheLink() {
    CutPlan p = plan(false, PlanConstraints.defaults(8), PlanGoal.latency());
    assertThat(p.rows()).hasSize(4).noneMatch(CutRow::edgeOnly);
    assertThat(p.rows().get(3).bytesPerToken()).isEqualTo(16);
    assertThat(p.chosen()).get().extracting(CutRow::cut).isEqualTo(3);
  }

  @Test
  void objectives_pickTheirExpectedCuts() {
    PlanConstraints c = PlanConstraints.defaults(8);
    assertThat(plan(false, c, PlanGoal.energy()).chosen().orElseThrow().cut()).isEqualTo(1);
    assertThat(plan(false, c, PlanGoal.latency()).chosen().orElseThrow().cut()).isEqualTo(3);
    // alpha 0.1: scores k1 0.1 + 0.9 x 40/37 = 1.0730, k2 0.1 x 0.1256/0.1056 + 0.9 x 38/37 =
    // 1.0433,
    // k3 0.1 x 0.1556/0.1056 + 0.9 = 1.0473
    assertThat(plan(false, c, PlanGoal.weighted(0.1)).chosen().orElseThrow().cut()).isEqualTo(2);
    assertThat(plan(false, c, PlanGoal.weighted(1.0)).chosen().orElseThrow().cut()).isEqualTo(1);
    assertThat(plan(false, c, PlanGoal.weighted(0.0)).chosen().orElseThrow().cut()).isEqualTo(3);
    CutRow fastest = plan(true, c, PlanGoal.latency()).chosen().orElseThrow();
    assertThat(fastest.edgeOnly()).isTrue();
  }

  @Test
  void privacyFloor_rejectsCutsBelowIt() {
    CutPlan byDefault = plan(false, PlanConstraints.defaults(8), PlanGoal.energy());
    assertThat(byDefault.rows().get(0).rejections())
        .containsExactly("below privacy floor min_edge_layers=1");
    CutPlan allowed =
        plan(false, PlanConstraints.defaults(8).withMinEdgeLayers(0), PlanGoal.energy());
    assertThat(allowed.chosen().orElseThrow().cut()).isZero();
    CutPlan strict =
        plan(false, PlanConstraints.defaults(8).withMinEdgeLayers(2), PlanGoal.energy());
    assertThat(strict.chosen().orElseThrow().cut()).isEqualTo(2);
    assertThat(strict.rows().get(1).feasible()).isFalse();
  }

  @Test
  void memoryBudget_rejectsCutsThatDoNotFit() {
    CutPlan p = plan(true, PlanConstraints.defaults(8).withMemoryBudget(2100), PlanGoal.latency());
    assertThat(p.rows().get(3).rejections())
        .singleElement()
        .asString()
        .contains("edge memory 2.52 KiB > budget 2.05 KiB");
    assertThat(p.rows().get(4).feasible()).isFalse();
    assertThat(p.chosen().orElseThrow().cut()).isEqualTo(2);
  }

  @Test
  void latencyTarget_rejectsSlowCuts() {
    CutPlan p = plan(false, PlanConstraints.defaults(8).withLatencyTarget(39), PlanGoal.energy());
    assertThat(p.rows().get(1).rejections())
        .singleElement()
        .asString()
        .isEqualTo("latency 40.000 ms > target 39.000 ms");
    assertThat(p.chosen().orElseThrow().cut()).isEqualTo(2);
  }

  @Test
  void noFeasibleCut_leavesNothingChosen_andListsEveryReason() {
    CutPlan p =
        plan(
            false,
            PlanConstraints.defaults(8).withLatencyTarget(1).withMemoryBudget(1),
            PlanGoal.energy());
    assertThat(p.chosenRow()).isEqualTo(-1);
    assertThat(p.chosen()).isEmpty();
    assertThat(p.rows().get(0).rejections()).hasSize(3);
  }

  @Test
  void wireDTypes_priceBytesPerToken() {
    assertThat(WireDType.FP32.bytesPerToken(576)).isEqualTo(2304);
    assertThat(WireDType.FP16.bytesPerToken(576)).isEqualTo(1152);
    assertThat(WireDType.INT8.bytesPerToken(576)).isEqualTo(580);
    CutPlan p =
        planner.plan(
            PlanFixtures.profile(false),
            PlanFixtures.LINK,
            WireDType.INT8,
            PlanConstraints.defaults(8),
            PlanGoal.energy());
    assertThat(p.rows().get(1).linkMillis()).isCloseTo(18, within(EPS));
  }

  @Test
  void quantizedWeights_shrinkEdgeMemory() {
    assertThat(WeightBytes.perParameter(WeightFormat.FP32)).isEqualTo(4.0);
    assertThat(WeightBytes.perParameter(WeightFormat.INT8)).isEqualTo(1 + 4.0 / 32 + 1.0 / 32);
    assertThat(WeightBytes.perParameter(WeightFormat.INT4)).isEqualTo(0.5 + 4.0 / 32 + 0.5 / 32);
    LayerProfile fp32 = PlanFixtures.profile(false);
    LayerProfile int4 =
        new LayerProfile(
            fp32.device(),
            fp32.modelFingerprint(),
            WeightFormat.INT4,
            fp32.shape(),
            fp32.edge(),
            fp32.cloud());
    // 2 layers x 100 parameters x 0.640625 = 128.125 -> 129 bytes of weights
    assertThat(CutPlanner.memory(int4, PlanConstraints.defaults(8), 2, false))
        .isEqualTo(129 + 1000 + 256);
  }

  @Test
  void profile_rejectsLayerCountMismatch_andModelShapeFollowsTheConfig() {
    LayerProfile ok = PlanFixtures.profile(false);
    assertThatThrownBy(
            () ->
                new LayerProfile(
                    "d",
                    "m",
                    WeightFormat.FP32,
                    new ModelShape(4, 4, 2, 100, 0, 0),
                    ok.edge(),
                    ok.cloud()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 layers");
    assertThatThrownBy(
            () -> new EdgeCosts(List.of(1.0), List.of(-1.0), 0, 0, null, null, 1, 0, "x"))
        .hasMessageContaining("layerJoules[0]");
    ModelConfig smol =
        new ModelConfig(
            "synthetic-smollm2-135m",
            576,
            1536,
            30,
            9,
            3,
            49152,
            8192,
            1e5f,
            1e-5f,
            false,
            true,
            false);
    ModelShape s = ModelShape.of(smol);
    assertThat(s.kvDim()).isEqualTo(192);
    assertThat(s.embeddingBytes()).isEqualTo(4L * 49152 * 576);
    assertThat(s.layerParameters()).isEqualTo(smol.layerParameters());
  }

  /*
   * The U shape, return cut 2 of 3, fp32 wire: 16 bytes out and 16 back, link = 10 + 32 = 42 ms.
   *  k  edge ms (embed + [0,k) + [2,3) + head)  cloud ms ([k,2))  latency  edge J
   *  0  1 + 0 + 4 + 1.5 = 6.5                    10                58.5     0.01 + 0.04 + 0.015 + 0.0032 + 2 x 52/1000 = 0.1722
   *  1  1 + 2 + 4 + 1.5 = 8.5                    5                 55.5     0.01 + 0.02 + 0.04 + 0.015 + 0.0032 + 2 x 47/1000 = 0.1822
   * Memory: the edge holds k + 1 layers and the head: 400 (k + 1) + 1000 + 50 + 2 (k + 1) x 2 x 8 x 4 = 1578, 2106.
   */
  @Test
  void planUShaped_matchesHandComputedPredictions_bytesBothWays() {
    CutPlan p =
        planner.planUShaped(
            PlanFixtures.profile(true),
            PlanFixtures.LINK,
            WireDType.FP32,
            PlanConstraints.defaults(8).withMinEdgeLayers(0),
            PlanGoal.latency(),
            2);
    assertThat(p.rows())
        .extracting(CutRow::label)
        .containsExactly("0 U[0,2)", "1 U[1,2)", "3 edge-only");
    double[] latency = {58.5, 55.5};
    double[] edgeJ = {0.1722, 0.1822};
    double[] cloudJ = {1.0, 0.5};
    long[] memory = {1578, 2106};
    for (int k = 0; k < 2; k++) {
      CutRow r = p.rows().get(k);
      assertThat(r.latencyMillis()).as("latency at k=%d", k).isCloseTo(latency[k], within(EPS));
      assertThat(r.edgeJoulesPerToken()).as("edge J at k=%d", k).isCloseTo(edgeJ[k], within(EPS));
      assertThat(r.cloudJoulesPerToken())
          .as("cloud J at k=%d", k)
          .isCloseTo(cloudJ[k], within(EPS));
      assertThat(r.edgeMemoryBytes()).as("memory at k=%d", k).isEqualTo(memory[k]);
      assertThat(r.linkMillis()).isCloseTo(42, within(EPS));
      assertThat(r.bytesPerToken()).isEqualTo(16);
      assertThat(r.bytesReceivedPerToken()).isEqualTo(16);
      assertThat(r.returnCut()).isEqualTo(2);
    }
    assertThat(p.chosen()).map(CutRow::label).contains("3 edge-only");
    assertThat(PlanTable.render(p))
        .contains("U-shaped split, return cut 2: the edge also runs layers [2,3)")
        .contains("1+1+head/1", "16+16");
  }

  @Test
  void planUShaped_rejectsByTheWorstStateTheWorkerSees() {
    // The worker of U[1,2) receives h_1 and computes h_2: the audit's worse of the two counts.
    TokenRecoveryLimit audit = new TokenRecoveryLimit(0.5, new double[] {1.0, 0.9, 0.4, 0.2});
    CutPlan u =
        planner.planUShaped(
            PlanFixtures.profile(true),
            PlanFixtures.LINK,
            WireDType.FP32,
            PlanConstraints.defaults(8).withTokenRecovery(audit),
            PlanGoal.latency(),
            2);
    assertThat(u.rows().get(1).rejections())
        .containsExactly("audit recovers 90.0% of tokens at h_1 > max 50.0%");
    CutPlan plain =
        plan(true, PlanConstraints.defaults(8).withTokenRecovery(audit), PlanGoal.latency());
    assertThat(plain.rows().get(2).feasible()).isTrue();
  }

  @Test
  void planUShaped_returnCutN_isThePlainPlan_andNeedsAnEdgeHeadOtherwise() {
    PlanConstraints c = PlanConstraints.defaults(8);
    assertThat(
            planner.planUShaped(
                PlanFixtures.profile(true),
                PlanFixtures.LINK,
                WireDType.FP32,
                c,
                PlanGoal.energy(),
                3))
        .isEqualTo(plan(true, c, PlanGoal.energy()));
    assertThatThrownBy(
            () ->
                planner.planUShaped(
                    PlanFixtures.profile(false),
                    PlanFixtures.LINK,
                    WireDType.FP32,
                    c,
                    PlanGoal.energy(),
                    2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no edge head time");
    assertThatThrownBy(
            () ->
                planner.planUShaped(
                    PlanFixtures.profile(true),
                    PlanFixtures.LINK,
                    WireDType.FP32,
                    c,
                    PlanGoal.energy(),
                    4))
        .hasMessageContaining("return cut 4 outside 1..3");
  }
}
