package dev.edgesplit.cli;

import dev.edgesplit.bench.DelayProxy;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.partitioner.cache.Workspace;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgesplit demo}: a cloud worker and an edge agent as two processes on loopback ports, one
 * Generate call through them, the text streamed and the summary printed.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Start a cloud worker and an edge agent as two processes on loopback, run one Generate, print the text and summary.")
final class DemoCommand implements Callable<Integer> {

  @Mixin ModelOptions model;

  @Mixin SplitShape shape;

  @Option(
      names = "--hidden-dtype",
      defaultValue = "fp32",
      description = "Hidden states on the wire (default: ${DEFAULT-VALUE}).")
  String hiddenDtype;

  @Option(
      names = "--startup-seconds",
      defaultValue = "120",
      description = "How long to wait for both servers.")
  int startupSeconds;

  @Option(
      names = "--speculate",
      paramLabel = "SOURCE",
      defaultValue = "none",
      description =
          "Draft tokens, several per round trip: none, ngram, model, early-exit (default: ${DEFAULT-VALUE}).")
  String speculate;

  @Option(
      names = "--draft-model",
      paramLabel = "PATH",
      description = "Draft model for --speculate model (default: the model compiled int4).")
  String draftModel;

  @Option(
      names = "--link-rtt",
      paramLabel = "MS",
      defaultValue = "0",
      description =
          "Emulated link: a delay proxy between edge and worker adds this round trip, ms (one way: half).")
  double linkRtt;

  @Option(
      names = "--http",
      paramLabel = "HOST:PORT",
      description =
          "Also serve the edge's OpenAI-compatible HTTP "
              + "API here and answer one chat completion through it after the Generate.")
  String http;

  @Mixin SamplingOptions sampling;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // Compile once here so that both children load the same directory instead of racing to compile
    // it.
    CompiledModel compiled = shape.compiled(spec, model);
    int cut = shape.cut;
    Integer returnCut = shape.returnCut;
    List<String> uShape =
        returnCut == null ? List.of() : List.of("--return-cut", String.valueOf(returnCut));
    int cloudPort = freePort();
    int edgePort = freePort();
    int cloudMetrics = freePort();
    int edgeMetrics = freePort();
    Path logs = Workspace.home().resolve("demo");
    String dir = compiled.directory().toString();
    err.printf(
        "demo: cloud worker on 127.0.0.1:%d, edge agent on 127.0.0.1:%d, cut %d (logs in %s)%n"
            + "      metrics: http://127.0.0.1:%d/metrics (cloud), http://127.0.0.1:%d/metrics (edge)%n",
        cloudPort, edgePort, cut, logs, cloudMetrics, edgeMetrics);
    err.flush();
    List<ChildProcess> children = new ArrayList<>();
    DelayProxy proxy = null;
    try {
      List<String> cloudArgs =
          new ArrayList<>(
              List.of(
                  "cloud",
                  "--model",
                  dir,
                  "--cut",
                  String.valueOf(cut),
                  "--listen",
                  "127.0.0.1:" + cloudPort,
                  "--metrics",
                  "127.0.0.1:" + cloudMetrics,
                  "--threads",
                  String.valueOf(model.threads)));
      cloudArgs.addAll(uShape);
      children.add(ChildProcess.start("cloud", logs, cloudArgs));
      awaitServing(children.get(0), cloudPort);
      int linkPort = cloudPort;
      if (linkRtt > 0) {
        proxy = new DelayProxy(new InetSocketAddress("127.0.0.1", cloudPort), linkRtt);
        linkPort = proxy.port();
        err.printf(
            "demo: the edge reaches the worker through a delay proxy on 127.0.0.1:%d adding %.0f ms RTT%n",
            linkPort, linkRtt);
        err.flush();
      }
      List<String> edgeArgs =
          new ArrayList<>(
              List.of(
                  "edge",
                  "--model",
                  dir,
                  "--cut",
                  String.valueOf(cut),
                  "--listen",
                  "127.0.0.1:" + edgePort,
                  "--metrics",
                  "127.0.0.1:" + edgeMetrics,
                  "--cloud",
                  "127.0.0.1:" + linkPort,
                  "--speculate",
                  speculate,
                  "--hidden-dtype",
                  hiddenDtype,
                  "--threads",
                  String.valueOf(model.threads)));
      // The edge gets the compiled target; its draft compiles from the source (int4 by default).
      String draftSource =
          draftModel != null ? draftModel : ModelCache.resolveName(model.model, err);
      if (speculate.equals("model")) {
        edgeArgs.addAll(List.of("--draft-model", draftSource));
      }
      edgeArgs.addAll(httpFlags());
      edgeArgs.addAll(uShape);
      children.add(ChildProcess.start("edge", logs, edgeArgs));
      awaitServing(children.get(1), edgePort);
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", edgePort).usePlaintext().build();
      try {
        int status = GenerateCommand.run(channel, sampling, Duration.ofSeconds(300), out, err);
        if (status == 0 && http != null) {
          HttpDemo.chat(
              HostPort.parse(http), EdgeCommand.displayName(model.model), sampling, out, err);
        }
        return status;
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      for (int i = children.size() - 1; i >= 0; i--) {
        children.get(i).close();
      }
      if (proxy != null) {
        proxy.close();
      }
    }
  }

  /** The edge's flags for the HTTP API, when asked for. */
  private List<String> httpFlags() {
    return http == null
        ? List.of()
        : List.of(
            "--http",
            HostPort.parse(http).toString(),
            "--model-name",
            EdgeCommand.displayName(model.model));
  }

  private void awaitServing(ChildProcess child, int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(startupSeconds);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      while (System.nanoTime() < deadline) {
        if (!child.alive()) {
          throw new IllegalStateException(
              "the " + child.name() + " process exited during startup:\n" + child.tail(20));
        }
        try {
          if (HealthCommand.check(channel, "", 1000) == HealthCheckResponse.ServingStatus.SERVING) {
            return;
          }
        } catch (StatusRuntimeException notYet) {
          // not listening yet
        }
        Thread.sleep(200);
      }
      throw new IllegalStateException(
          "the "
              + child.name()
              + " process was not serving after "
              + startupSeconds
              + " s; see "
              + child.log());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
