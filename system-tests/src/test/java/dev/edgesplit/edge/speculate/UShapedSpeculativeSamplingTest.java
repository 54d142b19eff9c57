package dev.edgesplit.edge.speculate;

import static dev.edgesplit.systest.SampledRuns.Z_LIMIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import dev.edgesplit.systest.SampledRuns;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Speculative sampling in the U-shaped split keeps the target's distribution: the board's tail
 * judges the drafts (min(1, p/q) with the draft model's q, prompt lookup deterministic) instead of
 * the worker, over real sockets, worker on [2, 4). Same method and tolerance as {@link
 * SpeculativeSamplingTest}, including the control that shows the test can fail.
 */
class UShapedSpeculativeSamplingTest {

  @BeforeAll
  static void setUp() throws Exception {
    SpeculativeSplitTest.compile();
  }

  @Test
  void perPositionDistribution_withBoardVerifiedWindows_equalsOneTokenPerRoundTrip()
      throws Exception {
    try (LoopbackWorker worker = LoopbackWorker.at(2).anyCut().start();
        LoopbackAgent edge =
            LoopbackAgent.at(2)
                .returnCut(4)
                .clouds(List.of(worker.port()))
                .speculation(SpeculativeSplitTest.draftChain, SpeculativeSplitTest.head)
                .start()) {
      SampledRuns.Comparison c = SampledRuns.compare(edge.client());
      System.out.println(c.describe("U-shaped speculative sampling"));
      assertThat(c.worstModel()).as("draft model vs none, worst position z").isLessThan(Z_LIMIT);
      assertThat(c.worstNgram()).as("prompt lookup vs none, worst position z").isLessThan(Z_LIMIT);
      assertThat(c.control())
          .as("temperature 1.3 vs 0.8: the test can tell")
          .isGreaterThan(Z_LIMIT);
    }
  }
}
