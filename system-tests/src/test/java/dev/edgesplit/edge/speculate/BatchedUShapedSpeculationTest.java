package dev.edgesplit.edge.speculate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import dev.edgesplit.testkit.Stories260k;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * U-shaped speculation on a batching worker: the rows of a hidden-only window run as decode steps
 * batched with the other sessions' steps, and a window that follows rejected rows rewinds the
 * session's slot. Concurrent greedy streams with every draft source (and none) through one edge
 * agent and one batching worker over loopback all give llama2.c's reference text.
 */
class BatchedUShapedSpeculationTest {

  private static final DraftSource[] SOURCES = {
    DraftSource.DRAFT_SOURCE_MODEL,
    DraftSource.DRAFT_SOURCE_NGRAM,
    DraftSource.DRAFT_SOURCE_EARLY_EXIT,
    DraftSource.DRAFT_SOURCE_NONE
  };

  @BeforeAll
  static void setUp() throws Exception {
    SpeculativeSplitTest.compile();
  }

  @ParameterizedTest(name = "worker runs [{0}, {1})")
  @CsvSource({"1, 3", "2, 4"})
  void concurrentSpeculatingUStreams_onABatchingWorker_giveTheReferenceText(int k, int m)
      throws Exception {
    int streams = 8;
    BatchingCloudCompute compute =
        BatchingCloudCompute.forModel(
            SpeculativeSplitTest.compiled, RuntimeOptions.defaults(), k, m, streams);
    ExecutorService clients = Executors.newFixedThreadPool(streams);
    try (LoopbackWorker worker =
            LoopbackWorker.at(k)
                .model(SpeculativeSplitTest.compiled)
                .compute(compute, compute)
                .config(Map.of("runtime.step_threads", String.valueOf(streams + 2)))
                .start();
        LoopbackAgent edge =
            LoopbackAgent.at(k)
                .returnCut(m)
                .clouds(List.of(worker.port()))
                .config(Map.of("generate.max_concurrent", String.valueOf(streams)))
                .speculation(SpeculativeSplitTest.draftChain, SpeculativeSplitTest.head)
                .start()) {
      int promptTokens = SpeculativeSplitTest.tokenizer.encode(Stories260k.PROMPT, true).length;
      List<Future<Generated>> runs = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        GenerateRequest request =
            GenerateRequest.newBuilder()
                .setText(Stories260k.PROMPT)
                .setMaxNewTokens(100 - promptTokens + 1)
                .setSampling(SamplingParams.newBuilder().setTemperature(0f))
                .setDraftSource(SOURCES[i % SOURCES.length])
                .build();
        runs.add(clients.submit(() -> edge.generate(request)));
      }
      for (int i = 0; i < streams; i++) {
        Generated r = runs.get(i).get(5, TimeUnit.MINUTES);
        DraftSource source = SOURCES[i % SOURCES.length];
        String what = "stream " + i + ", " + source;
        assertThat(Stories260k.PROMPT + r.text()).as(what).isEqualTo(Stories260k.REFERENCE);
        if (source == DraftSource.DRAFT_SOURCE_MODEL) {
          assertThat(r.summary().getDraftedTokens()).as(what).isPositive();
          assertThat(r.summary().getRoundTrips())
              .as(what + ": windows carried several rows")
              .isLessThan(r.summary().getGeneratedTokens());
        }
      }
      assertThat(compute.decodeSteps()).as("the rows ran through the batcher").isPositive();
      await().until(() -> worker.sessions() == 0);
    } finally {
      clients.shutdownNow();
    }
  }
}
