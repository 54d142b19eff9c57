package dev.edgesplit.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import dev.edgesplit.systest.StaggeredStreams;
import dev.edgesplit.systest.StaggeredStreams.Stream;
import dev.edgesplit.testkit.Stories260k;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 19, must-show 1: 32 concurrent greedy sessions with mixed prompts and lengths, joining one
 * after another at random tokens and leaving at their own lengths (some cancelled by their client
 * mid-stream), through an edge agent and a batching cloud worker over real loopback sockets, on the
 * real stories260K: every session's tokens equal its solo run through the same servers. No timing
 * is asserted: joins wait for tokens, not clocks, and every wait is generous.
 */
class BatchedServingTest {

  private static final int SESSIONS = 32;
  private static final String[] PROMPTS = {
    Stories260k.PROMPT,
    "Lily",
    "One day, a little boy named Tom",
    "The cat",
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she "
        + "saw a big, red ball. She wanted to play with it, but it was too high.", // several
    // prefill frames
    "Sue and Ben went to the park to play.",
    "A",
    "The sun was hot and the"
  };

  @TempDir static Path dir;

  @ParameterizedTest(name = "cut {0}")
  @ValueSource(ints = {1, 3, 5})
  void thirtyTwoStaggeredSessions_throughTheBatchingWorker_eachGetTheTokensOfItsSoloRun(int cut)
      throws Exception {
    CompiledModel compiled =
        CompiledStories.compile(
            cut,
            WeightFormat.FP32,
            WeightFormat.FP32,
            512,
            Files.createDirectories(dir.resolve("cut" + cut)));
    // The worker batches as `edgesplit cloud --batch 32` wires it: a batching compute, step threads
    // for a full batch.
    BatchingCloudCompute compute =
        BatchingCloudCompute.owning(
            compiled.openCloudBatched(cut, RuntimeOptions.defaults(), SESSIONS),
            compiled.fingerprint());
    try (LoopbackWorker worker =
            LoopbackWorker.at(cut)
                .model(compiled)
                .compute(compute, compute)
                .config(Map.of("runtime.step_threads", String.valueOf(SESSIONS + 2)))
                .start();
        LoopbackAgent agent =
            LoopbackAgent.at(cut)
                .model(compiled)
                .clouds(worker.port())
                .config(StaggeredStreams.patientAgent(SESSIONS))
                .start()) {
      SplittableRandom rnd = new SplittableRandom(19L * cut);
      List<Stream> streams = new ArrayList<>();
      for (int i = 0; i < SESSIONS; i++) {
        int prompt = i < PROMPTS.length ? i : rnd.nextInt(PROMPTS.length);
        int maxTokens = 4 + rnd.nextInt(i % 4 == 0 ? 160 : 60);
        int cancelAfter =
            i % 8 == 5 ? 1 + rnd.nextInt(maxTokens) : -1; // the client walks away mid-stream
        streams.add(
            new Stream(agent.client(), PROMPTS[prompt], maxTokens, cancelAfter, rnd.nextInt(6)));
      }
      Map<List<Object>, List<Integer>> solo = StaggeredStreams.soloRuns(streams);
      assertThat(compute.largestBatchSize()).as("solo runs step alone").isEqualTo(1);

      StaggeredStreams.runAndCheck(streams, solo);
      System.out.printf(
          "cut %d: %d sessions, largest decode batch %d%n",
          cut, SESSIONS, compute.largestBatchSize());
      assertThat(compute.largestBatchSize())
          .as("decode steps of concurrent sessions shared runs")
          .isGreaterThan(1);
      await().atMost(1, TimeUnit.MINUTES).until(() -> worker.sessions() == 0);
    }
  }
}
