package dev.edgesplit.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.testkit.SharedModels;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    Path out = Files.createDirectories(dir.resolve("cut" + cut));
    CompiledModel compiled =
        new Compiler(
                new CompileOptions(
                    cut, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
            .compile(ModelImporter.load(SharedModels.require("stories260K")), out);
    Tokenizer tokenizer = Tokenizers.load(compiled.tokenizerFile());
    SplittableRandom rnd = new SplittableRandom(19L * cut);
    List<Plan> plans = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      int prompt = i < PROMPTS.length ? i : rnd.nextInt(PROMPTS.length);
      int maxTokens = 4 + rnd.nextInt(i % 4 == 0 ? 160 : 60);
      int cancelAfter =
          i % 8 == 5 ? 1 + rnd.nextInt(maxTokens) : -1; // the client walks away mid-stream
      plans.add(new Plan(prompt, maxTokens, cancelAfter, rnd.nextInt(6)));
    }
    try (Servers servers = new Servers(compiled, cut, tokenizer)) {
      Map<Integer, List<Integer>> solo = new HashMap<>();
      for (Plan p : plans) {
        int longest =
            plans.stream()
                .filter(q -> q.prompt == p.prompt)
                .mapToInt(Plan::maxTokens)
                .max()
                .orElseThrow();
        solo.computeIfAbsent(p.prompt, k -> servers.generate(PROMPTS[k], longest, -1, null));
      }
      assertThat(servers.compute.largestBatchSize()).as("solo runs step alone").isEqualTo(1);

      List<Future<List<Integer>>> runs = new ArrayList<>();
      List<CountDownLatch> joined = new ArrayList<>();
      for (int i = 0; i <= SESSIONS; i++) {
        joined.add(new CountDownLatch(1));
      }
      joined.get(0).countDown();
      ExecutorService clients = Executors.newFixedThreadPool(SESSIONS);
      try {
        for (int i = 0; i < SESSIONS; i++) {
          Plan p = plans.get(i);
          CountDownLatch mine = joined.get(i);
          CountDownLatch next = joined.get(i + 1);
          runs.add(
              clients.submit(
                  () -> {
                    assertThat(mine.await(5, TimeUnit.MINUTES))
                        .as("the previous session started")
                        .isTrue();
                    try {
                      // The next session joins once this one has p.joinAfter tokens (or has ended).
                      return servers.generate(
                          PROMPTS[p.prompt],
                          p.maxTokens,
                          p.cancelAfter,
                          (n) -> {
                            if (n >= p.joinAfter) {
                              next.countDown();
                            }
                          });
                    } finally {
                      next.countDown();
                    }
                  }));
        }
        for (int i = 0; i < SESSIONS; i++) {
          Plan p = plans.get(i);
          List<Integer> reference = solo.get(p.prompt);
          List<Integer> expected = reference.subList(0, Math.min(p.maxTokens, reference.size()));
          List<Integer> tokens = runs.get(i).get(5, TimeUnit.MINUTES);
          if (p.cancelAfter < 0) {
            assertThat(tokens)
                .as("session %d (prompt %d, %d tokens)", i, p.prompt, p.maxTokens)
                .isEqualTo(expected);
          } else {
            assertThat(tokens)
                .as("cancelled session %d", i)
                .hasSizeGreaterThanOrEqualTo(Math.min(p.cancelAfter, expected.size()));
            assertThat(expected.subList(0, tokens.size()))
                .as("cancelled session %d", i)
                .isEqualTo(tokens);
          }
        }
      } finally {
        clients.shutdownNow();
      }
      System.out.printf(
          "cut %d: %d sessions, largest decode batch %d%n",
          cut, SESSIONS, servers.compute.largestBatchSize());
      assertThat(servers.compute.largestBatchSize())
          .as("decode steps of concurrent sessions shared runs")
          .isGreaterThan(1);
      await()
          .atMost(1, TimeUnit.MINUTES)
          .until(() -> servers.cloud.sessions().activeSessions() == 0);
    }
  }

  /**
   * One session: which prompt, how many tokens, after how many the client cancels, when the next
   * one joins.
   */
  private record Plan(int prompt, int maxTokens, int cancelAfter, int joinAfter) {}

  /** Told the number of tokens a stream has delivered so far. */
  private interface Progress {
    void tokens(int n);
  }

  /**
   * An edge agent and a cloud worker on loopback port 0, the worker batching as {@code edgesplit
   * cloud --batch 32} wires it (a batching compute, step threads for a full batch), the agent with
   * its default fp16 link.
   */
  private static final class Servers implements AutoCloseable {
    final SegmentChain edgeChain;
    final BatchingCloudCompute compute;
    final CloudWorker cloud;
    final ManagedChannel toCloud;
    final EdgeAgent edge;
    final ManagedChannel toEdge;

    Servers(CompiledModel compiled, int cut, Tokenizer tokenizer) {
      compute =
          BatchingCloudCompute.owning(
              compiled.openCloudBatched(cut, RuntimeOptions.defaults(), SESSIONS),
              compiled.fingerprint());
      edgeChain = compiled.openEdge(cut, RuntimeOptions.defaults());
      cloud =
          new CloudWorker(
                  CloudConfig.load(
                      null,
                      Map.of(),
                      Map.of(
                          "listen.port",
                          "0",
                          "model.cut",
                          String.valueOf(cut),
                          "runtime.step_threads",
                          String.valueOf(SESSIONS + 2))),
                  compute,
                  new EngineSamplerFactory(),
                  StepEnergy.none())
              .start();
      toCloud = NettyChannelBuilder.forAddress("127.0.0.1", cloud.port()).usePlaintext().build();
      // A loaded machine must not turn a slow step into a replay: this test is about batching, not
      // recovery.
      EdgeConfig edgeConfig =
          EdgeConfig.load(
              null,
              Map.of(),
              Map.of(
                  "listen.port",
                  "0",
                  "model.cut",
                  String.valueOf(cut),
                  "cloud.target",
                  "127.0.0.1:" + cloud.port(),
                  "generate.max_concurrent",
                  String.valueOf(SESSIONS),
                  "cloud.step_timeout_ms",
                  "300000"));
      edge =
          new EdgeAgent(
                  edgeConfig,
                  edgeChain,
                  compiled.fingerprint(),
                  tokenizer,
                  toCloud,
                  StepEnergy.none())
              .start();
      toEdge = NettyChannelBuilder.forAddress("127.0.0.1", edge.port()).usePlaintext().build();
    }

    /**
     * Greedy token ids of one Generate stream; with {@code cancelAfter >= 0} the client cancels
     * after that many.
     */
    List<Integer> generate(String prompt, int maxTokens, int cancelAfter, Progress progress) {
      GenerateRequest request =
          GenerateRequest.newBuilder()
              .setText(prompt)
              .setMaxNewTokens(maxTokens)
              .setSampling(SamplingParams.newBuilder().setTemperature(0f))
              .build();
      List<Integer> tokens = new ArrayList<>();
      Context.CancellableContext call = Context.current().withCancellation();
      try {
        call.run(
            () -> {
              Iterator<GenerateResponse> it =
                  EdgeServiceGrpc.newBlockingStub(toEdge)
                      .withDeadlineAfter(5, TimeUnit.MINUTES)
                      .generate(request);
              if (progress != null) {
                progress.tokens(0);
              }
              while (tokens.size() != cancelAfter && it.hasNext()) {
                GenerateResponse r = it.next();
                if (r.hasToken()) {
                  tokens.add(r.getToken().getTokenId());
                  if (progress != null) {
                    progress.tokens(tokens.size());
                  }
                }
              }
            });
      } finally {
        call.cancel(null);
      }
      return tokens;
    }

    @Override
    public void close() throws Exception {
      toEdge.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      edge.close();
      toCloud.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      cloud.close();
      edgeChain.close();
      compute.close();
    }
  }
}
