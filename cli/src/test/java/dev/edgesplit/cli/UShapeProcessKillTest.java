package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
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
    int promptTokens = tokenizer.encode(Processes.PROMPT, true).length;
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setText(Processes.PROMPT)
            .setMaxNewTokens(100 - promptTokens + 1)
            .build();
    try (Workers workers = new Workers(compiled);
        Edge edge = new Edge(compiled, tokenizer, workers.ports)) {
      int active = 0;
      for (int g = 0; g < KILL_AFTER_TOKEN.length; g++) {
        int victim = active;
        int killAt = KILL_AFTER_TOKEN[g];
        StringBuilder text = new StringBuilder();
        GenerationSummary summary = null;
        Iterator<GenerateResponse> it =
            EdgeServiceGrpc.newBlockingStub(edge.client)
                .withDeadlineAfter(120, TimeUnit.SECONDS)
                .generate(request);
        while (it.hasNext()) {
          GenerateResponse r = it.next();
          if (r.hasToken()) {
            text.append(r.getToken().getText());
            if (r.getToken().getIndex() == killAt) {
              workers.kill(victim);
            }
          } else {
            summary = r.getSummary();
          }
        }
        String context =
            "generation " + g + ", worker " + victim + " SIGKILLed after token " + killAt;
        assertThat(Processes.PROMPT + text).as(context).isEqualTo(Processes.REFERENCE);
        assertThat(summary).as(context).isNotNull();
        assertThat(summary.getReturnCut()).as(context + ": still U-shaped").isEqualTo(RETURN_CUT);
        assertThat(summary.getCloudRecoveries()).as(context + ": recoveries").isEqualTo(1);
        assertThat(summary.getFinishedLocally()).as(context).isFalse();
        active = 1 - victim;
        workers.restart(victim);
      }
    }
  }

  /** Two U-shaped worker processes on fixed loopback ports, so a restarted one is found again. */
  private final class Workers implements AutoCloseable {
    final String modelDir;
    final List<Integer> ports = new ArrayList<>();
    final ChildProcess[] processes = new ChildProcess[2];
    int starts;

    Workers(CompiledModel compiled) throws Exception {
      modelDir = compiled.directory().toString();
      ports.add(Processes.freePort());
      ports.add(Processes.freePort());
      try {
        processes[0] = launch(0);
        processes[1] = launch(1);
        Processes.awaitServing(processes[0], ports.get(0), Duration.ofSeconds(180));
        Processes.awaitServing(processes[1], ports.get(1), Duration.ofSeconds(180));
      } catch (Exception | AssertionError e) {
        close(); // try-with-resources closes only constructed workers: orphan no child
        throw e;
      }
    }

    private ChildProcess launch(int i) throws Exception {
      return Processes.start(
          "u-cloud-" + i + "-" + starts++,
          dir.resolve("logs"),
          dir.resolve("tmp"),
          List.of(
              "cloud",
              "--model",
              modelDir,
              "--cut",
              String.valueOf(CUT),
              "--return-cut",
              String.valueOf(RETURN_CUT),
              "--listen",
              "127.0.0.1:" + ports.get(i),
              "--metrics",
              "off"));
    }

    void kill(int i) throws InterruptedException {
      processes[i].kill();
    }

    void restart(int i) throws Exception {
      processes[i] = launch(i);
      Processes.awaitServing(processes[i], ports.get(i), Duration.ofSeconds(180));
    }

    @Override
    public void close() throws InterruptedException {
      for (ChildProcess p : processes) {
        if (p != null) {
          p.kill();
        }
      }
    }
  }

  /** The board: an edge agent in this JVM running the U shape against both workers. */
  private static final class Edge implements AutoCloseable {
    final EdgeChains chains;
    final List<ManagedChannel> clouds = new ArrayList<>();
    final EdgeAgent agent;
    final ManagedChannel client;

    Edge(CompiledModel compiled, Tokenizer tokenizer, List<Integer> ports) {
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
                  String.valueOf(CUT),
                  "cloud.hidden_dtype",
                  "fp32",
                  "cloud.target",
                  String.join(",", targets),
                  "cloud.retry.deadline_ms",
                  "60000"));
      chains = EdgeChains.perLayer(compiled, RuntimeOptions.defaults());
      agent =
          new EdgeAgent(
                  config,
                  chains,
                  compiled.fingerprint(),
                  tokenizer,
                  List.<Channel>copyOf(clouds),
                  StepHooks.of(StepEnergy.none()),
                  RETURN_CUT)
              .start();
      client = Processes.channel(agent.port());
    }

    @Override
    public void close() throws Exception {
      Processes.shutdown(client);
      agent.close();
      for (ManagedChannel c : clouds) {
        Processes.shutdown(c);
      }
      chains.close();
    }
  }
}
