package dev.edgesplit.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

  @TempDir static Path dir;
  static CompiledModel compiled;
  static Tokenizer tokenizer;

  @BeforeAll
  static void compile() throws Exception {
    compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
            .compile(ModelImporter.load(SharedModels.require("stories260K")), dir);
    tokenizer = Tokenizers.load(compiled.tokenizerFile());
  }

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
   * Runs {@link #SESSIONS} staggered streams, the i-th with shape {@code shapes[i % size]}, and
   * checks each against its solo run; returns the largest decode batch the worker ran.
   */
  private static int serve(List<Shape> shapes, long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Plan> plans = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      int maxTokens = 4 + rnd.nextInt(i % 4 == 0 ? 120 : 50);
      int cancelAfter = i % 5 == 3 ? 1 + rnd.nextInt(maxTokens) : -1;
      plans.add(
          new Plan(
              shapes.get(i % shapes.size()),
              i < PROMPTS.length ? i : rnd.nextInt(PROMPTS.length),
              maxTokens,
              cancelAfter,
              rnd.nextInt(5)));
    }
    try (Servers servers = new Servers(shapes)) {
      Map<List<Integer>, List<Integer>> solo = new HashMap<>();
      for (Plan p : plans) {
        int longest =
            plans.stream()
                .filter(q -> q.shape.equals(p.shape) && q.prompt == p.prompt)
                .mapToInt(Plan::maxTokens)
                .max()
                .orElseThrow();
        solo.computeIfAbsent(
            List.of(p.shape.cut, p.shape.returnCut, p.prompt),
            key -> servers.generate(p.shape, PROMPTS[p.prompt], longest, -1, null));
      }
      assertThat(servers.compute.largestBatchSize()).as("solo runs step alone").isEqualTo(1);

      List<CountDownLatch> joined = new ArrayList<>();
      for (int i = 0; i <= SESSIONS; i++) {
        joined.add(new CountDownLatch(1));
      }
      joined.get(0).countDown();
      ExecutorService clients = Executors.newFixedThreadPool(SESSIONS);
      try {
        List<Future<List<Integer>>> runs = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
          Plan p = plans.get(i);
          CountDownLatch mine = joined.get(i);
          CountDownLatch next = joined.get(i + 1);
          runs.add(
              clients.submit(
                  () -> {
                    assertThat(mine.await(5, TimeUnit.MINUTES)).isTrue();
                    try {
                      // The next stream joins once this one has p.joinAfter tokens (or has ended).
                      return servers.generate(
                          p.shape,
                          PROMPTS[p.prompt],
                          p.maxTokens,
                          p.cancelAfter,
                          n -> {
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
          List<Integer> reference = solo.get(List.of(p.shape.cut, p.shape.returnCut, p.prompt));
          List<Integer> expected = reference.subList(0, Math.min(p.maxTokens, reference.size()));
          List<Integer> tokens = runs.get(i).get(5, TimeUnit.MINUTES);
          String what = "stream " + i + " " + p;
          if (p.cancelAfter < 0) {
            assertThat(tokens).as(what).isEqualTo(expected);
          } else {
            assertThat(tokens)
                .as(what)
                .hasSizeGreaterThanOrEqualTo(Math.min(p.cancelAfter, expected.size()));
            assertThat(expected.subList(0, tokens.size())).as(what).isEqualTo(tokens);
          }
        }
      } finally {
        clients.shutdownNow();
      }
      System.out.printf(
          "%s: %d streams, largest decode batch %d, mean %.2f%n",
          shapes,
          SESSIONS,
          servers.compute.largestBatchSize(),
          servers.compute.decodeSteps() / (double) servers.compute.decodeRuns());
      await()
          .atMost(1, TimeUnit.MINUTES)
          .until(() -> servers.worker.sessions().activeSessions() == 0);
      return servers.compute.largestBatchSize();
    }
  }

  /** Layers the worker runs for a stream: {@code [cut, returnCut)}, returnCut N the plain split. */
  private record Shape(int cut, int returnCut) {}

  private record Plan(Shape shape, int prompt, int maxTokens, int cancelAfter, int joinAfter) {}

  private interface Progress {
    void tokens(int n);
  }

  /** One batching worker on loopback port 0 and one edge agent per shape. */
  private static final class Servers implements AutoCloseable {
    final BatchingCloudCompute compute;
    final CloudWorker worker;
    final ManagedChannel toCloud;
    final List<EdgeChains> chains = new ArrayList<>();
    final Map<Shape, EdgeAgent> agents = new HashMap<>();
    final Map<Shape, ManagedChannel> toAgents = new HashMap<>();

    Servers(List<Shape> shapes) {
      compute =
          BatchingCloudCompute.forModel(
              compiled,
              RuntimeOptions.defaults(),
              shapes.get(0).cut,
              shapes.get(0).returnCut,
              SESSIONS);
      worker =
          new CloudWorker(
                  CloudConfig.load(
                      null,
                      Map.of(),
                      Map.of(
                          "listen.port",
                          "0",
                          "model.cut",
                          String.valueOf(shapes.get(0).cut),
                          "runtime.step_threads",
                          String.valueOf(SESSIONS + 2))),
                  compute,
                  new EngineSamplerFactory(),
                  StepEnergy.none())
              .start();
      toCloud = NettyChannelBuilder.forAddress("127.0.0.1", worker.port()).usePlaintext().build();
      for (Shape s : shapes) {
        EdgeChains edgeChains = EdgeChains.perLayer(compiled, RuntimeOptions.defaults());
        chains.add(edgeChains);
        // A loaded machine must not turn a slow step into a replay: this test is about batching.
        EdgeConfig config =
            EdgeConfig.load(
                null,
                Map.of(),
                Map.of(
                    "listen.port",
                    "0",
                    "model.cut",
                    String.valueOf(s.cut),
                    "cloud.target",
                    "127.0.0.1:" + worker.port(),
                    "generate.max_concurrent",
                    String.valueOf(SESSIONS),
                    "cloud.step_timeout_ms",
                    "300000"));
        EdgeAgent agent =
            new EdgeAgent(
                    config,
                    edgeChains,
                    compiled.fingerprint(),
                    tokenizer,
                    List.of(toCloud),
                    StepHooks.of(StepEnergy.none()),
                    s.returnCut)
                .start();
        agents.put(s, agent);
        toAgents.put(
            s, NettyChannelBuilder.forAddress("127.0.0.1", agent.port()).usePlaintext().build());
      }
    }

    /** Greedy token ids of one stream; with {@code cancelAfter >= 0} the client cancels then. */
    List<Integer> generate(
        Shape shape, String prompt, int maxTokens, int cancelAfter, Progress progress) {
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
                  EdgeServiceGrpc.newBlockingStub(toAgents.get(shape))
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
      for (ManagedChannel c : toAgents.values()) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      agents.values().forEach(EdgeAgent::close);
      toCloud.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      worker.close();
      for (EdgeChains c : chains) {
        c.close();
      }
      compute.close();
    }
  }
}
