package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A worker stops mid-way through a speculative U-shaped generation: the session replays the rows
 * the board accepted (never the rejected rows of a window) on the other worker, sends the window in
 * flight again, and the text is the undisturbed one.
 */
class UShapedSpeculationFailoverTest {

  private static final int HOLD_AT = 30;

  @ParameterizedTest
  @EnumSource(
      value = DraftSource.class,
      names = {"DRAFT_SOURCE_NGRAM", "DRAFT_SOURCE_EARLY_EXIT"})
  void workerStopsMidWindow_sessionReplaysTheAcceptedRowsOnTheOtherWorker_sameText(
      DraftSource source) throws Exception {
    StepGate gate = new StepGate(HOLD_AT);
    int n = CompiledStories.model().config().nLayers();
    try (SegmentChain head = CompiledStories.model().openCloud(n, RuntimeOptions.defaults());
        LoopbackWorker a =
            LoopbackWorker.at(1)
                .anyCut()
                .config(Map.of("drain_timeout_ms", "1"))
                .wrap(gate::wrap)
                .start();
        LoopbackWorker b = LoopbackWorker.at(1).anyCut().start();
        LoopbackAgent edge =
            LoopbackAgent.at(1)
                .returnCut(3)
                .clouds(List.of(a.port(), b.port()))
                .speculation(null, head)
                .start()) {
      Generated r =
          StepGate.stopWhileHeld(
              gate,
              a,
              () ->
                  edge.generate(
                      CompiledStories.referenceRequest().toBuilder()
                          .setDraftSource(source)
                          .build()));

      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
      assertThat(r.summary().getReturnCut()).isEqualTo(3);
      assertThat(r.summary().getDraftedTokens()).isPositive();
      await().atMost(10, TimeUnit.SECONDS).until(() -> b.sessions() == 0);
    } finally {
      gate.release();
    }
  }
}
