package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.energy.StepEnergy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection with real processes: two cloud workers per cut run as child JVMs ({@code
 * edgesplit cloud}), an edge agent here is configured with both; in each of 20 greedy generations
 * (every cut 0..5) the worker holding the session is SIGKILLed at a random token and restarted on
 * its port. Every generation must finish with exactly llama2.c's reference text, having moved its
 * session to the other worker once.
 */
class CloudProcessKillTest {

  private static final long SEED = 0x5EED_2026L;
  private static final int GENERATIONS = 20;
  private static final int CUTS = 6;

  @TempDir Path dir;

  @Test
  @Timeout(
      value = 900,
      unit = TimeUnit.SECONDS) // 88 s on a quiet CI, over 150 s under load: not a time property
  void sigkilledCloudWorkers_twentyGenerations_everyCut_exactReferenceText() throws Exception {
    killAndCompare(GENERATIONS, null);
  }

  /**
   * The same with speculative windows (the int4 copy drafting, several tokens per round trip): the
   * kill lands while a window frame is in flight or before the next one; the replay holds only
   * accepted positions and the window goes again, so the text is still the reference.
   */
  @Test
  @Timeout(
      value = 900,
      unit = TimeUnit.SECONDS) // child JVMs start slowly on a loaded machine; not a time property
  void sigkilledCloudWorkers_midWindow_twelveGenerations_everyCut_exactReferenceText()
      throws Exception {
    CompiledModel draft =
        new dev.edgesplit.partitioner.Compiler(
                new dev.edgesplit.partitioner.CompileOptions(
                    null,
                    dev.edgesplit.engine.segment.WeightFormat.INT4,
                    dev.edgesplit.engine.segment.WeightFormat.INT4,
                    dev.edgesplit.partitioner.onnx.SegmentOptions.defaults(512)))
            .compile(
                dev.edgesplit.partitioner.model.ModelImporter.load(
                    dev.edgesplit.testkit.SharedModels.require("stories260K/stories260K.bin")),
                dir.resolve("draft"));
    try (SegmentChain draftChain =
        draft.openWhole(
            dev.edgesplit.engine.segment.WeightFormat.INT4, RuntimeOptions.defaults())) {
      killAndCompare(12, draftChain);
    }
  }

  /**
   * @param draftChain drafts the windows of every generation, or null for one token per round trip
   */
  private void killAndCompare(int total, SegmentChain draftChain) throws Exception {
    CompiledModel compiled = Processes.compile(dir.resolve("model"));
    Tokenizer tokenizer = Tokenizers.load(compiled.tokenizerFile());
    GenerateRequest request = Processes.referenceRequest(tokenizer);
    Random random = new Random(SEED);
    int done = 0;
    for (int cut = 0; cut < CUTS; cut++) {
      int generations = total / CUTS + (cut < total % CUTS ? 1 : 0);
      try (WorkerPair pair =
          new WorkerPair(
              "cloud-" + cut,
              dir,
              compiled,
              List.of("--cut", String.valueOf(cut)),
              Duration.ofSeconds(60))) {
        try (LocalEdge edge = edge(compiled, tokenizer, cut, pair.ports(), draftChain)) {
          int active = 0;
          for (int g = 0; g < generations; g++) {
            int killAt = random.nextInt(60);
            int victim = active;
            LocalEdge.Generated run =
                edge.generate(request, 60, pair.killAfterToken(killAt, victim));
            GenerationSummary summary = run.summary();
            String context =
                "cut "
                    + cut
                    + ", generation "
                    + g
                    + ", worker "
                    + victim
                    + " killed after token "
                    + killAt
                    + " (seed "
                    + SEED
                    + ")";
            assertThat(Processes.PROMPT + run.text()).as(context).isEqualTo(Processes.REFERENCE);
            assertThat(summary).as(context).isNotNull();
            assertThat(summary.getCloudRecoveries()).as(context + ": recoveries").isEqualTo(1);
            assertThat(summary.getFinishedLocally()).as(context).isFalse();
            if (draftChain != null) {
              assertThat(summary.getTokensPerRoundTrip())
                  .as(context + ": tokens per round trip")
                  .isGreaterThan(1.5);
            }
            active = 1 - victim;
            pair.restart(victim);
            done++;
          }
        }
      }
    }
    assertThat(done).isEqualTo(total);
  }

  /** An edge agent in this JVM with both workers of the pair configured. */
  private static LocalEdge edge(
      CompiledModel compiled,
      Tokenizer tokenizer,
      int cut,
      List<Integer> ports,
      SegmentChain draftChain) {
    SegmentChain chain = compiled.openEdge(cut, RuntimeOptions.defaults());
    return new LocalEdge(
        cut,
        ports,
        chain,
        (config, clouds) -> {
          EdgeAgent agent =
              new EdgeAgent(
                  config,
                  chain,
                  compiled.fingerprint(),
                  tokenizer,
                  clouds,
                  null,
                  StepEnergy.none());
          if (draftChain != null) {
            agent.speculation(
                new dev.edgesplit.edge.speculate.Speculation(
                    dev.edgesplit.proto.v1.DraftSource.DRAFT_SOURCE_MODEL, 16, draftChain, null));
          }
          return agent;
        });
  }
}
