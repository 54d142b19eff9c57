package dev.edgesplit.edge.speculate;

import static dev.edgesplit.edge.speculate.SpeculativeSamplingTest.TOKENS;
import static dev.edgesplit.edge.speculate.SpeculativeSamplingTest.Z_LIMIT;
import static dev.edgesplit.edge.speculate.SpeculativeSamplingTest.sample;
import static dev.edgesplit.edge.speculate.SpeculativeSamplingTest.z;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import io.grpc.ManagedChannel;
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
      ManagedChannel toEdge = edge.client();
      List<int[]> plain = sample(toEdge, DraftSource.DRAFT_SOURCE_NONE, 0.8f, 1_000_000L);
      List<int[]> model = sample(toEdge, DraftSource.DRAFT_SOURCE_MODEL, 0.8f, 2_000_000L);
      List<int[]> ngram = sample(toEdge, DraftSource.DRAFT_SOURCE_NGRAM, 0.8f, 3_000_000L);
      List<int[]> hotter = sample(toEdge, DraftSource.DRAFT_SOURCE_NONE, 1.3f, 4_000_000L);
      double worstModel = 0;
      double worstNgram = 0;
      double bestControl = 0;
      for (int pos = 0; pos < TOKENS; pos++) {
        worstModel = Math.max(worstModel, z(plain, model, pos));
        worstNgram = Math.max(worstNgram, z(plain, ngram, pos));
        bestControl = Math.max(bestControl, z(plain, hotter, pos));
      }
      System.out.printf(
          "U-shaped speculative sampling, worst per-position z over %d positions: model %.2f,"
              + " ngram %.2f; control (temperature 1.3) %.2f; limit %.1f%n",
          TOKENS, worstModel, worstNgram, bestControl, Z_LIMIT);
      assertThat(worstModel).as("draft model vs none, worst position z").isLessThan(Z_LIMIT);
      assertThat(worstNgram).as("prompt lookup vs none, worst position z").isLessThan(Z_LIMIT);
      assertThat(bestControl)
          .as("temperature 1.3 vs 0.8: the test can tell")
          .isGreaterThan(Z_LIMIT);
    }
  }
}
