package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.energy.StepEnergy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay after a worker dies, in the U-shaped split: two {@code edgesplit cloud --cut 1
 * --return-cut 3} child JVMs, an edge agent here running [0,1), [3,5), the head and sampling with
 * both configured. In each greedy generation the worker holding the session is SIGKILLed mid-way
 * (after a different token each time) and restarted on its port afterwards; the text must be the
 * undisturbed U run's, which is llama2.c's reference (UShapedSplitTest), and the session must have
 * moved to the other worker once, still U-shaped, never finishing on the board.
 *
 * <p>Lean on purpose (one range, three generations) beside {@link CloudProcessKillTest}, which
 * covers every plain cut: child JVMs start slowly on a loaded machine, so the timeouts are generous
 * and nothing here is a time property.
 */
class UShapeProcessKillTest {

  private static final int CUT = 1;
  private static final int RETURN_CUT = 3;
  private static final int[] KILL_AFTER_TOKEN = {3, 27, 61};

  @TempDir Path dir;

  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void sigkilledWorker_midUSession_textEqualsTheUndisturbedRun() throws Exception {
    CompiledModel compiled = Processes.compile(dir.resolve("model"));
    Tokenizer tokenizer = Tokenizers.load(compiled.tokenizerFile());
    GenerateRequest request = Processes.referenceRequest(tokenizer);
    try (WorkerPair workers =
            new WorkerPair(
                "u-cloud",
                dir,
                compiled,
                List.of("--cut", String.valueOf(CUT), "--return-cut", String.valueOf(RETURN_CUT)),
                Duration.ofSeconds(180));
        LocalEdge edge = edge(compiled, tokenizer, workers.ports())) {
      int active = 0;
      for (int g = 0; g < KILL_AFTER_TOKEN.length; g++) {
        int victim = active;
        int killAt = KILL_AFTER_TOKEN[g];
        LocalEdge.Generated run =
            edge.generate(request, 120, workers.killAfterToken(killAt, victim));
        GenerationSummary summary = run.summary();
        String context =
            "generation " + g + ", worker " + victim + " SIGKILLed after token " + killAt;
        assertThat(Processes.PROMPT + run.text()).as(context).isEqualTo(Processes.REFERENCE);
        assertThat(summary).as(context).isNotNull();
        assertThat(summary.getReturnCut()).as(context + ": still U-shaped").isEqualTo(RETURN_CUT);
        assertThat(summary.getCloudRecoveries()).as(context + ": recoveries").isEqualTo(1);
        assertThat(summary.getFinishedLocally()).as(context).isFalse();
        active = 1 - victim;
        workers.restart(victim);
      }
    }
  }

  /** The board: an edge agent in this JVM running the U shape against both workers. */
  private static LocalEdge edge(CompiledModel compiled, Tokenizer tokenizer, List<Integer> ports) {
    EdgeChains chains = EdgeChains.perLayer(compiled, RuntimeOptions.defaults());
    return new LocalEdge(
        CUT,
        ports,
        chains,
        (config, clouds) ->
            new EdgeAgent(
                config,
                chains,
                compiled.fingerprint(),
                tokenizer,
                clouds,
                StepHooks.of(StepEnergy.none()),
                RETURN_CUT));
  }
}
