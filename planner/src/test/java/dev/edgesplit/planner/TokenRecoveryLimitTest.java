package dev.edgesplit.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenRecoveryLimitTest {

  private static final double[] AUDIT = {1.0, 0.99, 0.6, 0.3};

  private CutPlan plan(double max) {
    PlanConstraints c =
        PlanConstraints.defaults(8)
            .withMinEdgeLayers(0)
            .withTokenRecovery(new TokenRecoveryLimit(max, AUDIT));
    return new CutPlanner()
        .plan(PlanFixtures.profile(true), PlanFixtures.LINK, WireDType.FP32, c, PlanGoal.latency());
  }

  @Test
  void plan_rejectsCutsWhoseMeasuredRecoveryExceedsTheLimit_andSaysWhy() {
    CutPlan p = plan(0.5);
    assertThat(p.rows().get(0).rejections())
        .containsExactly("audit recovers 100.0% of tokens > max 50.0%");
    assertThat(p.rows().get(1).rejections())
        .containsExactly("audit recovers 99.0% of tokens > max 50.0%");
    assertThat(p.rows().get(2).rejections())
        .containsExactly("audit recovers 60.0% of tokens > max 50.0%");
    assertThat(p.rows().get(3).feasible()).isTrue();
    assertThat(p.rows().get(4).feasible()).as("edge-only sends nothing").isTrue();
    String table = PlanTable.render(p);
    assertThat(table)
        .contains("rejected: audit recovers 99.0% of tokens > max 50.0%")
        .contains("max token recovery 50.0%");
    assertThat(PlanTable.visibility(p.constraints().tokenRecovery()))
        .contains("recovers 99% at k=1, 60% at k=2, 30% at k=3 of tokens")
        .contains("every generated token in clear");
  }

  @Test
  void plan_withALooseLimit_rejectsNothingForPrivacy() {
    assertThat(plan(1.0).rows()).allMatch(CutRow::feasible);
  }

  @Test
  void limit_outsideZeroToOne_isRefused() {
    assertThatThrownBy(() -> new TokenRecoveryLimit(50, AUDIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[0, 1]");
  }
}
