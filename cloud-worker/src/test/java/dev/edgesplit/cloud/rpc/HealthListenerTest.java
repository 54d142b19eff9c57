package dev.edgesplit.cloud.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code health.listen}: a plaintext, health-only listener over loopback that mirrors the worker's
 * status.
 */
class HealthListenerTest {

  private static CloudWorker worker(String healthListen) {
    CloudConfig config =
        CloudConfig.load(
            null,
            Map.of(),
            Map.of(
                "listen.port",
                "0",
                "health.listen",
                healthListen,
                "metrics.listen",
                "off",
                "drain_timeout",
                "30s"));
    return new CloudWorker(config, new FakeCompute(), new EngineSamplerFactory(), StepEnergy.none())
        .start();
  }

  private static ManagedChannel plaintext(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static ServingStatus check(ManagedChannel channel, String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  @Test
  void healthListener_servesOnlyHealth_andMirrorsTheDrain() throws Exception {
    CloudWorker worker = worker("127.0.0.1:0");
    ManagedChannel health = plaintext(worker.healthPort());
    ManagedChannel main = plaintext(worker.port());
    try {
      assertThat(worker.healthPort()).isPositive().isNotEqualTo(worker.port());
      assertThat(check(health, "")).isEqualTo(ServingStatus.SERVING);
      assertThat(check(health, CloudServiceGrpc.SERVICE_NAME)).isEqualTo(ServingStatus.SERVING);
      assertThatThrownBy(
              () ->
                  CloudServiceGrpc.newBlockingStub(health)
                      .withDeadlineAfter(5, TimeUnit.SECONDS)
                      .handshake(HandshakeRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));

      // An open session stream holds the drain, so close() stays in it while the probe asks.
      CompletableFuture<Void> streamEnded = new CompletableFuture<>();
      ClientCallStreamObserver<SessionFrame> stream =
          (ClientCallStreamObserver<SessionFrame>)
              CloudServiceGrpc.newStub(main)
                  .session(
                      new StreamObserver<SessionReply>() {
                        @Override
                        public void onNext(SessionReply reply) {}

                        @Override
                        public void onError(Throwable t) {
                          streamEnded.complete(null);
                        }

                        @Override
                        public void onCompleted() {
                          streamEnded.complete(null);
                        }
                      });
      await().until(() -> worker.sessions() != null);
      CompletableFuture<Void> closed = CompletableFuture.runAsync(worker::close);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> check(health, CloudServiceGrpc.SERVICE_NAME) == ServingStatus.NOT_SERVING);
      assertThat(check(health, "")).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(closed).as("close() waits for the open stream").isNotDone();

      stream.cancel("test ends the stream", null);
      closed.get(10, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThatThrownBy(() -> check(health, ""))
                      .isInstanceOfSatisfying(
                          StatusRuntimeException.class,
                          e ->
                              assertThat(e.getStatus().getCode())
                                  .isEqualTo(Status.Code.UNAVAILABLE)));
    } finally {
      worker.close();
      health.shutdownNow();
      main.shutdownNow();
    }
  }

  @Test
  void healthListener_isOffByDefault() {
    CloudConfig config =
        CloudConfig.load(null, Map.of(), Map.of("listen.port", "0", "metrics.listen", "off"));
    CloudWorker worker =
        new CloudWorker(config, new FakeCompute(), new EngineSamplerFactory(), StepEnergy.none())
            .start();
    try {
      assertThat(config.healthListen()).isEqualTo("off");
      assertThat(worker.healthPort()).isEqualTo(-1);
    } finally {
      worker.close();
    }
  }

  @Test
  void healthListen_mustBeHostPortOrOff() {
    assertThatThrownBy(() -> CloudConfig.load(null, Map.of(), Map.of("health.listen", "127.0.0.1")))
        .hasMessageContaining("health.listen must be HOST:PORT");
  }
}
