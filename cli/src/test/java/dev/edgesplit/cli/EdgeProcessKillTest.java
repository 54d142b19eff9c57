package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.CloudModelInfo;
import dev.edgesplit.cloud.compute.ComputeState;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edge failure: an edge agent child JVM ({@code edgesplit edge}) is SIGKILLed while its session
 * holds KV cache on a cloud worker running here; the worker frees it because the stream was reset,
 * long before its idle TTL.
 */
class EdgeProcessKillTest {

  private static final int HOLD_AT = 20;

  @TempDir Path dir;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void sigkilledEdgeAgent_midStream_cloudFreesTheSession() throws Exception {
    CompiledModel compiled = Processes.compile(dir.resolve("model"));
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch released = new CountDownLatch(1);
    int cut = 2;
    try (SegmentChain chain = compiled.openCloud(cut, RuntimeOptions.defaults());
        CloudWorker cloud =
            new CloudWorker(
                    CloudConfig.load(
                        null,
                        Map.of(),
                        Processes.loopbackSettings(cut, "limits.idle_ttl_ms", "600000")),
                    held(new ChainCloudCompute(chain, compiled.fingerprint()), reached, released),
                    new EngineSamplerFactory(),
                    StepEnergy.none())
                .start()) {
      int edgePort = Processes.freePort();
      ChildProcess edge =
          Processes.start(
              "edge",
              dir.resolve("logs"),
              dir.resolve("tmp"),
              List.of(
                  "edge",
                  "--model",
                  compiled.directory().toString(),
                  "--cut",
                  String.valueOf(cut),
                  "--listen",
                  "127.0.0.1:" + edgePort,
                  "--cloud",
                  "127.0.0.1:" + cloud.port(),
                  "--metrics",
                  "off"));
      ManagedChannel client = Processes.channel(edgePort);
      try {
        Processes.awaitServing(edge, edgePort, Duration.ofSeconds(60));
        CompletableFuture<Void> stream =
            CompletableFuture.runAsync(
                () -> {
                  Iterator<GenerateResponse> it =
                      EdgeServiceGrpc.newBlockingStub(client)
                          .withDeadlineAfter(60, TimeUnit.SECONDS)
                          .generate(
                              GenerateRequest.newBuilder()
                                  .setText(Processes.PROMPT)
                                  .setMaxNewTokens(200)
                                  .build());
                  while (it.hasNext()) {
                    it.next();
                  }
                });
        assertThat(reached.await(30, TimeUnit.SECONDS))
            .as("the session reached position " + HOLD_AT)
            .isTrue();
        assertThat(cloud.sessions().activeSessions()).isEqualTo(1);

        edge.kill();
        released.countDown();

        await().atMost(10, TimeUnit.SECONDS).until(() -> cloud.sessions().activeSessions() == 0);
        assertThat(cloud.sessions().reservedBytes()).isZero();
        assertThat(stream).failsWithin(10, TimeUnit.SECONDS);
      } finally {
        released.countDown();
        edge.kill();
        Processes.shutdown(client);
      }
    }
  }

  /** Holds the step at position {@link #HOLD_AT} once, until released. */
  private static CloudCompute held(
      CloudCompute compute, CountDownLatch reached, CountDownLatch released) {
    return new CloudCompute() {
      @Override
      public CloudModelInfo info() {
        return compute.info();
      }

      @Override
      public ComputeState newState() {
        return compute.newState();
      }

      @Override
      public float[] forward(ComputeState state, float[] hidden, int seqLen) {
        if (state.position() == HOLD_AT && released.getCount() > 0) {
          reached.countDown();
          try {
            released.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
        return compute.forward(state, hidden, seqLen);
      }
    };
  }
}
