package dev.edgesplit.bench;

import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.TokenIds;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The split over loopback gRPC, as deployed: {@code edgesplit cloud} and {@code edgesplit edge}
 * started as two processes on free loopback ports, this process a Generate client. Discarded
 * warm-up generations (the servers' JIT needs a few thousand tokens), then one measured generation
 * timed at the client: time to the first token, and the gaps between streamed tokens as the
 * per-token decode time (they include the edge, the link both ways, the cloud and sampling).
 */
public final class LoopbackProcesses implements BenchRunner.LoopbackSplit {

  private static final String CLOUD_READY = "cloud worker serving";
  private static final String EDGE_READY = "edge agent running";

  private final Path launcher;
  private final Path modelDir;
  private final BenchRunner.Plan plan;
  private final int vocab;
  private final Duration startTimeout;
  private final PrintWriter log;
  private final ProcessMemory memory = ProcessMemory.system();

  public LoopbackProcesses(
      Path launcher,
      Path modelDir,
      BenchRunner.Plan plan,
      int vocab,
      Duration startTimeout,
      PrintWriter log) {
    this.launcher = launcher;
    this.modelDir = modelDir;
    this.plan = plan;
    this.vocab = vocab;
    this.startTimeout = startTimeout;
    this.log = log;
  }

  @Override
  public Optional<BenchRunner.LoopbackResult> run(
      int threads, int cut, Supplier<GenerationTiming> unsplitRound) {
    int cloudPort = freePort();
    int edgePort = freePort();
    List<Child> children = new ArrayList<>();
    ManagedChannel channel = null;
    try {
      Child cloud =
          start(
              "cloud",
              threads,
              children,
              "cloud",
              "--model",
              modelDir.toString(),
              "--cut",
              Integer.toString(cut),
              "--listen",
              "127.0.0.1:" + cloudPort);
      cloud.awaitLine(CLOUD_READY, startTimeout);
      Child edge =
          start(
              "edge",
              threads,
              children,
              "edge",
              "--model",
              modelDir.toString(),
              "--cut",
              Integer.toString(cut),
              "--listen",
              "127.0.0.1:" + edgePort,
              "--cloud",
              "127.0.0.1:" + cloudPort);
      edge.awaitLine(EDGE_READY, startTimeout);
      channel = NettyChannelBuilder.forAddress("127.0.0.1", edgePort).usePlaintext().build();
      EdgeServiceGrpc.EdgeServiceBlockingStub stub = EdgeServiceGrpc.newBlockingStub(channel);
      int[] prompt = DecodeLoop.prompt(plan.promptTokens(), vocab, plan.seed());
      warmUp(stub, prompt);
      Measured m = generate(stub, prompt, plan.decodeTokens() + 1);
      List<BenchResult.PairedRound> paired = new ArrayList<>();
      for (int round = 0; round < plan.pairedRounds(); round++) {
        double unsplit = unsplitRound.get().decodeTokensPerSecond();
        Measured split = generate(stub, prompt, plan.decodeTokens() + 1);
        paired.add(
            new BenchResult.PairedRound(
                unsplit, LatencyStats.ofNanos(split.gaps, split.gaps.length).perSecond()));
      }
      Map<String, Long> peaks = new LinkedHashMap<>();
      memory.peakBytes(edge.process.pid()).ifPresent(b -> peaks.put("edge", b));
      memory.peakBytes(cloud.process.pid()).ifPresent(b -> peaks.put("cloud", b));
      if (m.gaps.length < plan.decodeTokens()) {
        log.printf(
            "bench: loopback generation stopped after %d tokens (%s); measured those%n",
            m.gaps.length + 1, m.summary.getFinishReason());
      }
      GenerationTiming timing =
          new GenerationTiming(
              plan.promptTokens(),
              m.firstTokenNanos / 1e6,
              m.firstTokenNanos / 1e6,
              LatencyStats.ofNanos(m.gaps, m.gaps.length));
      return Optional.of(
          new BenchRunner.LoopbackResult(
              timing,
              m.summary.getBytesSentPerToken(),
              m.summary.getBytesReceivedPerToken(),
              m.summary.getLinkMsPerToken(),
              m.summary.getEdgeMsPerToken(),
              m.summary.getCloudMsPerToken(),
              peaks,
              paired));
    } finally {
      if (channel != null) {
        channel.shutdownNow();
      }
      for (int i = children.size() - 1; i >= 0; i--) {
        children.get(i).stop();
      }
    }
  }

  /** Generations as long as the measured one until the plan's loopback warm-up is served. */
  private void warmUp(EdgeServiceGrpc.EdgeServiceBlockingStub stub, int[] prompt) {
    int perGeneration = plan.decodeTokens() + 1;
    int total = Math.max(plan.warmupTokens(), plan.loopbackWarmupTokens());
    for (int served = 0; served < total; served += perGeneration) {
      generate(stub, prompt, Math.min(perGeneration, total - served));
    }
  }

  private record Measured(long firstTokenNanos, long[] gaps, GenerationSummary summary) {}

  private Measured generate(
      EdgeServiceGrpc.EdgeServiceBlockingStub stub, int[] prompt, int tokens) {
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setTokenIds(TokenIds.newBuilder().addAllIds(IntStream.of(prompt).boxed().toList()))
            .setMaxNewTokens(tokens)
            .setSampling(SamplingParams.newBuilder().setTemperature(0f).setSeed(plan.seed()))
            .build();
    long[] arrivals = new long[tokens];
    int count = 0;
    GenerationSummary summary = null;
    long start = System.nanoTime();
    Iterator<GenerateResponse> it = stub.withDeadlineAfter(10, TimeUnit.MINUTES).generate(request);
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      if (r.hasToken() && count < arrivals.length) {
        arrivals[count++] = System.nanoTime();
      } else if (r.hasSummary()) {
        summary = r.getSummary();
      }
    }
    if (count < 2 || summary == null) {
      throw new IllegalStateException(
          "loopback generation returned "
              + count
              + " tokens"
              + (summary == null ? " and no summary" : ", finish " + summary.getFinishReason()));
    }
    long[] gaps = new long[count - 1];
    for (int i = 1; i < count; i++) {
      gaps[i - 1] = arrivals[i] - arrivals[i - 1];
    }
    return new Measured(arrivals[0] - start, gaps, summary);
  }

  private Child start(String name, int threads, List<Child> children, String... args) {
    List<String> command = new ArrayList<>();
    command.add(launcher.toString());
    command.addAll(List.of(args));
    if (plan.uShaped()) {
      command.addAll(List.of("--return-cut", plan.returnCut().toString()));
    }
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("EDGESPLIT_RUNTIME_INTRA_OP_THREADS", Integer.toString(threads));
    pb.environment().put("EDGESPLIT_NO_BUILD", "1");
    try {
      Child child = new Child(name, pb.start());
      children.add(child);
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  /**
   * A started server process whose output is drained by a daemon thread, keeping the last lines for
   * errors.
   */
  private static final class Child {
    private final String name;
    private final Process process;
    private final Deque<String> tail = new ArrayDeque<>();
    private final Map<String, CompletableFuture<Void>> waits = new LinkedHashMap<>();

    Child(String name, Process process) {
      this.name = name;
      this.process = process;
      Thread reader = new Thread(this::drain, "bench-" + name + "-output");
      reader.setDaemon(true);
      reader.start();
    }

    private void drain() {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (this) {
            tail.addLast(line);
            if (tail.size() > 40) {
              tail.removeFirst();
            }
            for (Map.Entry<String, CompletableFuture<Void>> w : waits.entrySet()) {
              if (line.contains(w.getKey())) {
                w.getValue().complete(null);
              }
            }
          }
        }
      } catch (IOException e) {
        // the process is gone; awaitLine reports it with the output seen so far
      }
      synchronized (this) {
        waits.values().forEach(f -> f.completeExceptionally(new IllegalStateException("exited")));
      }
    }

    void awaitLine(String text, Duration timeout) {
      CompletableFuture<Void> f;
      synchronized (this) {
        f = new CompletableFuture<>();
        if (tail.stream().anyMatch(l -> l.contains(text))) {
          return;
        }
        waits.put(text, f);
      }
      try {
        f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting the " + name + " process", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException(
            "the "
                + name
                + " process did not print '"
                + text
                + "' within "
                + timeout.toSeconds()
                + " s; its output:\n"
                + output());
      }
    }

    synchronized String output() {
      return String.join("\n", tail);
    }

    void stop() {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
