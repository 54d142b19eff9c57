package dev.edgesplit.cli;

import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.server.config.Units;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgesplit load}: N concurrent clients call Generate on an edge agent back to back for a
 * fixed time, then print requests, tokens, errors by status code and request latency percentiles.
 */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = "Load an edge agent: concurrent clients calling Generate for a fixed duration.")
final class LoadCommand implements Callable<Integer> {

  @Option(
      names = "--target",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:50051",
      description = "Edge agent (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(
      names = "--clients",
      defaultValue = "32",
      description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--duration",
      defaultValue = "5m",
      paramLabel = "TIME",
      description =
          "How long to run: 90s, 5m, 1h, 250ms; a plain number is seconds (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--prompt", defaultValue = "Once upon a time", description = "Prompt text.")
  String prompt;

  @Option(names = "--max-tokens", defaultValue = "64", description = "max_new_tokens per request.")
  int maxTokens;

  @Option(
      names = "--timeout-seconds",
      defaultValue = "60",
      description = "Deadline of one request.")
  int timeoutSeconds;

  @Option(
      names = "--compare-http",
      paramLabel = "HOST:PORT",
      description =
          "Instead of load: one client alternating gRPC Generate and the edge's HTTP API "
              + "(/v1/completions, streamed, greedy) for --rounds rounds; prints each path's ms per token and the difference.")
  String compareHttp;

  @Option(
      names = "--rounds",
      defaultValue = "20",
      description = "Rounds of --compare-http (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--model-name",
      defaultValue = "stories260K",
      description = "Model id sent to the HTTP API by --compare-http (default: ${DEFAULT-VALUE}).")
  String modelName;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (clients < 1 || maxTokens < 1) {
      throw new IllegalArgumentException("--clients and --max-tokens must be >= 1");
    }
    HostPort hp = HostPort.parse(target);
    PrintWriter out = spec.commandLine().getOut();
    if (compareHttp != null) {
      return new HttpOverheadBench(
              hp, HostPort.parse(compareHttp), modelName, prompt, maxTokens, rounds, timeoutSeconds)
          .run(out);
    }
    Duration runFor = parseDuration(duration);
    GenerateRequest request =
        GenerateRequest.newBuilder().setText(prompt).setMaxNewTokens(maxTokens).build();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(hp.host(), hp.port()).usePlaintext().build();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long start = System.nanoTime();
    long end = start + runFor.toNanos();
    try {
      List<Future<Tally>> futures = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        futures.add(pool.submit(() -> runClient(channel, request, end)));
      }
      Tally total = new Tally();
      for (Future<Tally> f : futures) {
        total.add(f.get());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      report(out, total, seconds);
      return total.errors.isEmpty() ? 0 : 2;
    } finally {
      pool.shutdownNow();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private Tally runClient(ManagedChannel channel, GenerateRequest request, long end) {
    Tally t = new Tally();
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      try {
        Iterator<GenerateResponse> it =
            EdgeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
                .generate(request);
        long tokens = 0;
        while (it.hasNext()) {
          if (it.next().hasToken()) {
            tokens++;
          }
        }
        t.requests++;
        t.tokens += tokens;
        t.latenciesMs.add((System.nanoTime() - t0) / 1e6);
      } catch (StatusRuntimeException e) {
        t.errors.merge(e.getStatus().getCode(), 1, Integer::sum);
      }
    }
    return t;
  }

  private void report(PrintWriter out, Tally t, double seconds) {
    Collections.sort(t.latenciesMs);
    int errors = t.errors.values().stream().mapToInt(Integer::intValue).sum();
    out.printf(
        Locale.ROOT,
        "load: %d clients for %.1f s against %s (max_new_tokens %d)%n",
        clients,
        seconds,
        target,
        maxTokens);
    out.printf(
        Locale.ROOT,
        "  requests   %d ok, %d failed%s%n",
        t.requests,
        errors,
        t.errors.isEmpty() ? "" : " " + t.errors);
    out.printf(
        Locale.ROOT,
        "  tokens     %d (%.1f tokens/s, %.2f requests/s)%n",
        t.tokens,
        t.tokens / seconds,
        t.requests / seconds);
    out.printf(
        Locale.ROOT,
        "  latency    p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        percentile(t.latenciesMs, 0.50),
        percentile(t.latenciesMs, 0.99),
        t.latenciesMs.isEmpty() ? 0 : t.latenciesMs.get(t.latenciesMs.size() - 1));
    out.flush();
  }

  /** Nearest-rank percentile of sorted values; 0 when empty. */
  static double percentile(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  /**
   * Parses 90s, 5m, 1h, 250ms or a plain number of seconds (decimals allowed), as the
   * configuration's units.
   */
  static Duration parseDuration(String text) {
    try {
      return Units.duration(text, ChronoUnit.SECONDS);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--duration must look like 90s, 5m, 1h or a number of seconds, got '" + text + "'");
    }
  }

  private static final class Tally {
    long requests;
    long tokens;
    final List<Double> latenciesMs = new ArrayList<>();
    final Map<Status.Code, Integer> errors = new EnumMap<>(Status.Code.class);

    void add(Tally o) {
      requests += o.requests;
      tokens += o.tokens;
      latenciesMs.addAll(o.latenciesMs);
      o.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum));
    }
  }
}
