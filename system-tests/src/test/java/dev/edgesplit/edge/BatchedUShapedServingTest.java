package dev.edgesplit.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import dev.edgesplit.systest.StaggeredStreams;
import dev.edgesplit.systest.StaggeredStreams.Stream;
import dev.edgesplit.testkit.Stories260k;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 15: U-shaped sessions batch on the worker. Concurrent greedy streams with mixed prompts and
 * lengths, each joining when the one before has a few tokens, some cancelled by their client, go
 * through edge agents and one batching worker (a per-layer stories260K build, as {@code edgesplit
 * cloud --return-cut M --batch 16} wires it) over real loopback sockets: every stream's tokens
 * equal its solo run's through the same servers, whether the worker runs only U ranges or plain and
 * U sessions side by side. No timing is asserted.
 */
class BatchedUShapedServingTest {

  private static final int SESSIONS = 14;
  private static final int N = 5;
  private static final String[] PROMPTS = {
    Stories260k.PROMPT,
    "Lily",
    "One day, a little boy named Tom",
    "The cat",
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she "
        + "saw a big, red ball.", // several prefill frames
    "A"
  };

  @ParameterizedTest(name = "worker runs [{0}, {1})")
  @CsvSource({"1, 3", "2, 4"})
  void staggeredUShapedSessions_batchOnTheWorker_andEachGetsItsSoloTokens(int k, int m)
      throws Exception {
    int largest = serve(List.of(new Shape(k, m)), 15L * k + m);
    assertThat(largest).as("U-shaped decode steps shared runs").isGreaterThan(1);
  }

  @Test
  void plainAndUShapedSessions_shareOneBatchingWorker_andEachGetsItsSoloTokens() throws Exception {
    serve(List.of(new Shape(1, N), new Shape(1, 3), new Shape(3, 4)), 42);
  }

  /**
   * Runs {@link #SESSIONS} staggered streams, the i-th with shape {@code shapes[i % size]}, through
   * one batching worker (on the shared per-layer build) and one edge agent per shape, and checks
   * each against its solo run; returns the largest decode batch the worker ran.
   */
  private static int serve(List<Shape> shapes, long seed) throws Exception {
    Shape first = shapes.get(0);
    BatchingCloudCompute compute =
        BatchingCloudCompute.forModel(
            CompiledStories.model(),
            RuntimeOptions.defaults(),
            first.cut,
            first.returnCut,
            SESSIONS);
    List<LoopbackAgent> agents = new ArrayList<>();
    try (LoopbackWorker worker =
        LoopbackWorker.at(first.cut)
            .compute(compute, compute)
            .config(Map.of("runtime.step_threads", String.valueOf(SESSIONS + 2)))
            .start()) {
      try {
        for (Shape s : shapes) {
          agents.add(
              LoopbackAgent.at(s.cut)
                  .returnCut(s.returnCut)
                  .clouds(worker.port())
                  .config(StaggeredStreams.patientAgent(SESSIONS))
                  .start());
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
          int maxTokens = 4 + rnd.nextInt(i % 4 == 0 ? 120 : 50);
          int cancelAfter = i % 5 == 3 ? 1 + rnd.nextInt(maxTokens) : -1;
          streams.add(
              new Stream(
                  agents.get(i % shapes.size()).client(),
                  PROMPTS[i < PROMPTS.length ? i : rnd.nextInt(PROMPTS.length)],
                  maxTokens,
                  cancelAfter,
                  rnd.nextInt(5)));
        }
        Map<List<Object>, List<Integer>> solo = StaggeredStreams.soloRuns(streams);
        assertThat(compute.largestBatchSize()).as("solo runs step alone").isEqualTo(1);

        StaggeredStreams.runAndCheck(streams, solo);
        System.out.printf(
            "%s: %d streams, largest decode batch %d, mean %.2f%n",
            shapes,
            SESSIONS,
            compute.largestBatchSize(),
            compute.decodeSteps() / (double) compute.decodeRuns());
        await().atMost(1, TimeUnit.MINUTES).until(() -> worker.sessions() == 0);
        return compute.largestBatchSize();
      } finally {
        for (LoopbackAgent a : agents) {
          a.close();
        }
      }
    }
  }

  /** Layers the worker runs for a stream: {@code [cut, returnCut)}, returnCut N the plain split. */
  private record Shape(int cut, int returnCut) {}
}
