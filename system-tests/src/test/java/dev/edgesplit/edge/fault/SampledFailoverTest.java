package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import dev.edgesplit.systest.SampledRuns;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A sampled generation (temperature 0.8) whose worker stops mid-way and which a replay moves to
 * another worker gives the text of the undisturbed run: the new worker's sampler draws at each
 * position what the old one would have (draws keyed on seed and position, not a stream that would
 * restart on the new worker), with one token per round trip and with prompt-lookup windows.
 */
class SampledFailoverTest {

  private static final int HOLD_AT = 30;

  @ParameterizedTest
  @EnumSource(
      value = DraftSource.class,
      names = {"DRAFT_SOURCE_NONE", "DRAFT_SOURCE_NGRAM"})
  void sampledGeneration_workerStopsMidway_replayElsewhere_sameTextAsUndisturbed(DraftSource source)
      throws Exception {
    GenerateRequest request = SampledRuns.request(60, 0.8f, 4242L, source);
    StepGate gate = new StepGate(HOLD_AT);
    try (LoopbackWorker a =
            LoopbackWorker.at(3).config(Map.of("drain_timeout_ms", "1")).wrap(gate::wrap).start();
        LoopbackWorker b = LoopbackWorker.at(3).start();
        LoopbackAgent undisturbed =
            LoopbackAgent.at(3).clouds(List.of(b.port())).speculation(null, null).start();
        LoopbackAgent edge =
            LoopbackAgent.at(3)
                .clouds(List.of(a.port(), b.port()))
                .speculation(null, null)
                .start()) {
      Generated reference = undisturbed.generate(request);
      Generated r = StepGate.stopWhileHeld(gate, a, () -> edge.generate(request));

      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
      assertThat(reference.summary().getGeneratedTokens()).isGreaterThan(HOLD_AT);
      assertThat(r.text()).isEqualTo(reference.text());
    } finally {
      gate.release();
    }
  }
}
