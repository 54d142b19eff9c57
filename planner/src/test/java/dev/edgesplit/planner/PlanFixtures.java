package dev.edgesplit.planner;

import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.planner.link.LinkEstimate;
import java.util.List;

/**
 * A hand-made 3-layer profile whose predictions are worked out by hand in {@link CutPlannerTest}.
 */
final class PlanFixtures {

  private PlanFixtures() {}

  /** d=4, kvDim=2, 100 parameters per layer, 1000-byte embedding, 50-byte untied head. */
  static final ModelShape SHAPE = new ModelShape(3, 4, 2, 100, 1000, 50);

  /** RTT 10 ms, 8000 bit/s: one byte per millisecond. */
  static final LinkEstimate LINK = new LinkEstimate(10.0, 8000.0, 12);

  /** 5 ms per layer and 1 ms for the head at 100 W. */
  static final CloudCosts CLOUD = new CloudCosts(List.of(5.0, 5.0, 5.0), 1.0, 100.0);

  static LayerProfile profile(boolean withEdgeHead) {
    return new LayerProfile(
        "test-board", "model-abc", WeightFormat.FP32, SHAPE, edge(withEdgeHead), CLOUD);
  }

  /** 2, 3 and 4 ms per layer at 10 W, a 1 ms embedding, the optional head 1.5 ms; idle 2 W. */
  static EdgeCosts edge(boolean withEdgeHead) {
    return new EdgeCosts(
        List.of(2.0, 3.0, 4.0),
        List.of(0.02, 0.03, 0.04),
        1.0,
        0.01,
        withEdgeHead ? 1.5 : null,
        withEdgeHead ? 0.015 : null,
        2.0,
        1e-4,
        "fixture (measured)");
  }
}
