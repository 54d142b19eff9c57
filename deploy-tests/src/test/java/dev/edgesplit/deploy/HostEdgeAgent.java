package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * An edge agent on the host, started from the unpacked distribution's launcher as a board runs it,
 * its cloud the given worker over mutual TLS with the test CA, no local fallback (so every token
 * crossed the link).
 */
final class HostEdgeAgent implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final ManagedChannel channel;
  final int port;
  final int metricsPort;

  /** One finished generation: the streamed text and the closing summary. */
  record Generation(String text, GenerationSummary summary) {}

  HostEdgeAgent(Path work, Path certs, String cloudTarget) throws IOException {
    Path dist = unpack(work);
    port = freePort();
    metricsPort = freePort();
    Path config = work.resolve("edge.yaml");
    Files.writeString(
        config,
        """
                listen: 127.0.0.1:%d
                model:
                  dir: %s
                  cut: 1
                cloud:
                  target: %s
                  fallback: none
                  handshake_timeout: 60s
                tls:
                  enabled: true
                  ca: %s/ca.crt
                  cert: %s/client.crt
                  key: %s/client.key
                metrics:
                  listen: 127.0.0.1:%d
                """
            .formatted(
                port,
                WorkerImage.models().resolve("stories260K"),
                cloudTarget,
                certs,
                certs,
                certs,
                metricsPort));
    log = work.resolve("edge.log");
    ProcessBuilder pb =
        new ProcessBuilder(
                dist.resolve("bin/edgesplit").toString(), "edge", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment()
        .put("EDGESPLIT_HOME", Files.createDirectories(work.resolve("home")).toString());
    process = pb.start();
    await("edge agent start-up line in " + log)
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              assertThat(process.isAlive()).as("edge agent exited: %s", log()).isTrue();
              return log().contains("edge agent running");
            });
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  /** A greedy generation, read to its end. */
  Generation generate(String prompt, int maxNewTokens) {
    Iterator<GenerateResponse> stream =
        EdgeServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.MINUTES)
            .generate(
                GenerateRequest.newBuilder().setText(prompt).setMaxNewTokens(maxNewTokens).build());
    StringBuilder text = new StringBuilder();
    GenerationSummary summary = null;
    while (stream.hasNext()) {
      GenerateResponse r = stream.next();
      if (r.hasToken()) {
        text.append(r.getToken().getText());
      } else {
        summary = r.getSummary();
      }
    }
    return new Generation(text.toString(), summary);
  }

  /** The blocking stream itself, for a test that acts while tokens arrive. */
  Iterator<GenerateResponse> open(String prompt, int maxNewTokens) {
    return EdgeServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.MINUTES)
        .generate(
            GenerateRequest.newBuilder().setText(prompt).setMaxNewTokens(maxNewTokens).build());
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The distribution `mvn package` built, unpacked once into {@code work/dist}. */
  private static Path unpack(Path work) {
    Path into = work.resolve("dist");
    Cmd.Result tar =
        Cmd.of(
                "sh",
                "-c",
                "mkdir -p \"$1\" && tar -xzf \"$2\" -C \"$1\" --strip-components=1",
                "sh",
                into.toString(),
                Repo.distArchive().toString())
            .timeout(Duration.ofMinutes(3))
            .run();
    assertThat(tar.exitCode()).as(tar.describe()).isZero();
    return into;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
