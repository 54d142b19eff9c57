package dev.edgesplit.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GrpcServingTest {

  @Test
  void start_onABusyPort_saysThePortIsInUse() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", busy.getLocalPort());
      GrpcServing serving = new GrpcServing("test server");
      assertThatThrownBy(
              () ->
                  serving.start(
                      NettyServerBuilder.forAddress(address, InsecureServerCredentials.create())
                          .addService(serving.healthService()),
                      address,
                      "svc",
                      null))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("test server cannot listen on 127.0.0.1:" + busy.getLocalPort())
          .hasMessageContaining("port " + busy.getLocalPort() + " is already in use");
    }
  }

  @Test
  void reportServing_switchesHealthUntilTheDrain() throws Exception {
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
    GrpcServing serving = new GrpcServing("test server");
    serving.reportServing(false);
    serving.start(
        NettyServerBuilder.forAddress(address, InsecureServerCredentials.create())
            .addService(serving.healthService()),
        address,
        "svc",
        null);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", serving.port()).usePlaintext().build();
    try {
      assertThat(health(channel, ""))
          .as("reported before start")
          .isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(health(channel, "svc")).isEqualTo(ServingStatus.NOT_SERVING);
      serving.reportServing(true);
      assertThat(health(channel, "")).isEqualTo(ServingStatus.SERVING);
      assertThat(serving.beginClose()).isTrue();
      serving.reportServing(true);
      assertThat(health(channel, "svc")).as("the drain wins").isEqualTo(ServingStatus.NOT_SERVING);
      serving.shutdown();
      serving.awaitDrain(Duration.ofSeconds(5));
      serving.finishClose();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static ServingStatus health(ManagedChannel channel, String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }
}
