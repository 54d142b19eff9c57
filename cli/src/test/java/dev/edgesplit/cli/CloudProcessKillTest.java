package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
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
    int promptTokens = tokenizer.encode(Processes.PROMPT, true).length;
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setText(Processes.PROMPT)
            .setMaxNewTokens(100 - promptTokens + 1)
            .build();
    Random random = new Random(SEED);
    int done = 0;
    for (int cut = 0; cut < CUTS; cut++) {
      int generations = total / CUTS + (cut < total % CUTS ? 1 : 0);
      try (Pair pair = new Pair(compiled, cut)) {
        try (Edge edge = new Edge(compiled, tokenizer, cut, pair.ports, draftChain)) {
          int active = 0;
          for (int g = 0; g < generations; g++) {
            int killAt = random.nextInt(60);
            int victim = active;
            GenerationSummary summary;
            StringBuilder text = new StringBuilder();
            Iterator<GenerateResponse> it =
                EdgeServiceGrpc.newBlockingStub(edge.client)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generate(request);
            summary = null;
            while (it.hasNext()) {
              GenerateResponse r = it.next();
              if (r.hasToken()) {
                text.append(r.getToken().getText());
                if (r.getToken().getIndex() == killAt) {
                  pair.kill(victim);
                }
              } else {
                summary = r.getSummary();
              }
            }
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
            assertThat(Processes.PROMPT + text).as(context).isEqualTo(Processes.REFERENCE);
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

  /**
   * Two cloud worker processes for one cut, on fixed loopback ports so a restarted one is found
   * again.
   */
  private final class Pair implements AutoCloseable {
    final int cut;
    final String modelDir;
    final List<Integer> ports = new ArrayList<>();
    final ChildProcess[] workers = new ChildProcess[2];
    int starts;

    Pair(CompiledModel compiled, int cut) throws Exception {
      this.cut = cut;
      this.modelDir = compiled.directory().toString();
      ports.add(Processes.freePort());
      ports.add(Processes.freePort());
      try {
        workers[0] = launch(0);
        workers[1] = launch(1);
        Processes.awaitServing(workers[0], ports.get(0), Duration.ofSeconds(60));
        Processes.awaitServing(workers[1], ports.get(1), Duration.ofSeconds(60));
      } catch (Exception | AssertionError e) {
        // try-with-resources closes only a constructed pair: do not orphan a child that did start.
        close();
        throw e;
      }
    }

    private ChildProcess launch(int i) throws Exception {
      return Processes.start(
          "cloud-" + cut + "-" + i + "-" + starts++,
          dir.resolve("logs"),
          dir.resolve("tmp"),
          List.of(
              "cloud",
              "--model",
              modelDir,
              "--cut",
              String.valueOf(cut),
              "--listen",
              "127.0.0.1:" + ports.get(i),
              "--metrics",
              "off"));
    }

    void kill(int i) throws InterruptedException {
      workers[i].kill();
    }

    /** Starts worker {@code i} again on its port and waits until it serves. */
    void restart(int i) throws Exception {
      workers[i] = launch(i);
      Processes.awaitServing(workers[i], ports.get(i), Duration.ofSeconds(60));
    }

    @Override
    public void close() throws InterruptedException {
      for (ChildProcess w : workers) {
        if (w != null) {
          w.kill();
        }
      }
    }
  }

  /**
   * An edge agent in this JVM with both workers of the pair configured, and a client channel to it.
   */
  private static final class Edge implements AutoCloseable {
    final SegmentChain chain;
    final List<ManagedChannel> clouds = new ArrayList<>();
    final EdgeAgent agent;
    final ManagedChannel client;

    Edge(
        CompiledModel compiled,
        Tokenizer tokenizer,
        int cut,
        List<Integer> ports,
        SegmentChain draftChain) {
      List<String> targets = new ArrayList<>();
      for (int p : ports) {
        targets.add("127.0.0.1:" + p);
        clouds.add(Processes.channel(p));
      }
      EdgeConfig config =
          EdgeConfig.load(
              null,
              Map.of(),
              Map.of(
                  "listen.port",
                  "0",
                  "model.cut",
                  String.valueOf(cut),
                  "cloud.hidden_dtype",
                  "fp32",
                  "cloud.target",
                  String.join(",", targets),
                  "cloud.retry.deadline_ms",
                  "60000"));
      chain = compiled.openEdge(cut, RuntimeOptions.defaults());
      agent =
          new EdgeAgent(
              config,
              chain,
              compiled.fingerprint(),
              tokenizer,
              List.<Channel>copyOf(clouds),
              null,
              StepEnergy.none());
      if (draftChain != null) {
        agent.speculation(
            new dev.edgesplit.edge.speculate.Speculation(
                dev.edgesplit.proto.v1.DraftSource.DRAFT_SOURCE_MODEL, 16, draftChain, null));
      }
      agent.start();
      client = Processes.channel(agent.port());
    }

    @Override
    public void close() throws InterruptedException {
      Processes.shutdown(client);
      agent.close();
      for (ManagedChannel c : clouds) {
        Processes.shutdown(c);
      }
      chain.close();
    }
  }
}
