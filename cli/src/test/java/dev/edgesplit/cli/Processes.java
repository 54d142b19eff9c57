package dev.edgesplit.cli;

import static org.awaitility.Awaitility.await;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.testkit.SharedModels;
import dev.edgesplit.testkit.Stories260k;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Real edgesplit child JVMs (the CLI's own commands) for the process-fault tests. */
final class Processes {

  static final String REFERENCE = Stories260k.REFERENCE;
  static final String PROMPT = Stories260k.PROMPT;

  private Processes() {}

  /** stories260K compiled fp32 with one segment per layer (every cut can be opened). */
  static CompiledModel compile(Path dir) throws IOException {
    Path checkpoint = SharedModels.require("stories260K/stories260K.bin");
    return new Compiler(
            new CompileOptions(
                null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
        .compile(ModelImporter.load(checkpoint), dir);
  }

  /** The prompt, greedy, to the reference's 100 tokens (llama2.c's {@code -n 100}). */
  static GenerateRequest referenceRequest(Tokenizer tokenizer) {
    int promptTokens = tokenizer.encode(PROMPT, true).length;
    return GenerateRequest.newBuilder()
        .setText(PROMPT)
        .setMaxNewTokens(100 - promptTokens + 1)
        .build();
  }

  /**
   * Starts {@code edgesplit <args>} as a child JVM. Its temporary folder is {@code tmp}, so the
   * ONNX Runtime natives it unpacks there are removed with the test's folder even when the child is
   * SIGKILLed.
   */
  static ChildProcess start(String name, Path logs, Path tmp, List<String> args)
      throws IOException {
    Files.createDirectories(tmp);
    return ChildProcess.start(
        name,
        logs,
        List.of(
            "-Djava.io.tmpdir=" + tmp, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k"),
        args);
  }

  /** Waits until the child answers health checks with SERVING on {@code port}. */
  static void awaitServing(ChildProcess child, int port, Duration atMost) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      await()
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (!child.alive()) {
                  throw new IllegalStateException(
                      "the "
                          + child.name()
                          + " process exited ("
                          + child.status()
                          + "):\n"
                          + child.tail(30));
                }
                try {
                  return HealthCommand.check(channel, "", 1000)
                      == HealthCheckResponse.ServingStatus.SERVING;
                } catch (StatusRuntimeException notYet) {
                  return false;
                }
              });
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * Config overrides for a server in this JVM on a free loopback port holding cut {@code cut}, and
   * {@code more} as key, value, key, value.
   */
  static Map<String, String> loopbackSettings(int cut, String... more) {
    Map<String, String> settings = new HashMap<>();
    settings.put("listen.port", "0");
    settings.put("model.cut", String.valueOf(cut));
    for (int i = 0; i < more.length; i += 2) {
      settings.put(more[i], more[i + 1]);
    }
    return Map.copyOf(settings);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  static void shutdown(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
