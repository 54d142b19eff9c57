package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every cloud worker gone, around a real edge agent (stories260K, loopback sockets, workers stopped
 * and started again on their port): after one failed reconnect window the cloud is marked down, new
 * requests fail (or fall back) at once, health says NOT_SERVING without a fallback, and a worker
 * that comes back closes the breaker within seconds. An edge that boots during the outage starts
 * that way.
 */
class OutageTest {

  /** The reconnect window of these tests (the default is 30 s). */
  private static final Map<String, String> WINDOW =
      Map.of("cloud.retry.deadline_ms", "1500", "cloud.breaker.probe_interval_ms", "200");

  /** What "at once" means here: far below the window of 30 s a request waited before. */
  private static final Duration AT_ONCE = Duration.ofSeconds(2);

  @Test
  void allWorkersGone_failsAtOnceWithUnavailable_notServing_untilAWorkerReturns() throws Exception {
    LoopbackWorker a = LoopbackWorker.at(2).config(Map.of("drain_timeout_ms", "1")).start();
    int port = a.port();
    try (LoopbackAgent edge = LoopbackAgent.at(2).clouds(List.of(port)).config(WINDOW).start()) {
      assertThat(CompiledStories.PROMPT + edge.generate(i -> {}).text())
          .isEqualTo(CompiledStories.REFERENCE);
      assertThat(health(edge.client())).isEqualTo(ServingStatus.SERVING);

      a.close();
      // The first request after the outage spends one reconnect window, then marks the cloud down.
      assertThatThrownBy(() -> edge.generate(i -> {}))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getDescription()).contains("reachable within 1500 ms"));
      assertThat(edge.server().breaker().isOpen()).isTrue();
      assertThat(health(edge.client())).isEqualTo(ServingStatus.NOT_SERVING);

      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> edge.generate(n -> {}))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                  assertThat(e.getStatus().getDescription())
                      .contains("cloud marked down")
                      .contains("workers tried: [127.0.0.1:" + port + "]");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(AT_ONCE);
      }

      try (LoopbackWorker back = restart(2, port)) {
        long t0 = System.nanoTime();
        await()
            .atMost(10, TimeUnit.SECONDS)
            .until(() -> health(edge.client()) == ServingStatus.SERVING);
        assertThat(Duration.ofNanos(System.nanoTime() - t0))
            .as("breaker closed within seconds")
            .isLessThan(Duration.ofSeconds(5));
        assertThat(edge.server().breaker().isOpen()).isFalse();
        Generated r = edge.generate(i -> {});
        assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
        assertThat(r.summary().getFinishedLocally()).isFalse();
        assertThat(edge.server().breaker().openings()).isEqualTo(1);
        assertThat(edge.server().breaker().closings()).isEqualTo(1);
      }
    } finally {
      a.close();
    }
  }

  @Test
  void localFallback_allWorkersGone_fallsBackAtOnce_andStaysServing() throws Exception {
    LoopbackWorker a = LoopbackWorker.at(3).config(Map.of("drain_timeout_ms", "1")).start();
    try (LoopbackAgent edge =
        LoopbackAgent.at(3).clouds(List.of(a.port())).config(withFallback(WINDOW)).start()) {
      a.close();
      Generated first = edge.generate(i -> {});
      assertThat(first.summary().getFinishedLocally()).isTrue();
      assertThat(first.summary().getFallbackReason()).contains("reachable within 1500 ms");
      assertThat(edge.server().breaker().isOpen()).isTrue();
      assertThat(health(edge.client()))
          .as("the board can still serve")
          .isEqualTo(ServingStatus.SERVING);

      long t0 = System.nanoTime();
      Duration firstToken = timeToFirstToken(edge.client());
      assertThat(firstToken).isLessThan(AT_ONCE);
      Generated r = edge.generate(i -> {});
      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getFinishedLocally()).isTrue();
      assertThat(r.summary().getFallbackReason()).contains("cloud marked down");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    } finally {
      a.close();
    }
  }

  @Test
  void edgeBootsDuringAnOutage_withoutFallback_notServingUntilAWorkerAnswers() throws Exception {
    int port = LoopbackWorker.deadPort();
    // The default window of 30 s: nothing here may wait for it.
    try (LoopbackAgent edge =
        LoopbackAgent.at(1)
            .clouds(List.of(port))
            .config(Map.of("cloud.breaker.probe_interval_ms", "200"))
            .start()) {
      assertThat(health(edge.client())).isEqualTo(ServingStatus.NOT_SERVING);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> edge.generate(i -> {}))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription())
                    .contains("cloud marked down")
                    .contains("at start")
                    .contains("127.0.0.1:" + port);
              });
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(AT_ONCE);

      try (LoopbackWorker w = restart(1, port)) {
        await()
            .atMost(10, TimeUnit.SECONDS)
            .until(() -> health(edge.client()) == ServingStatus.SERVING);
        assertThat(CompiledStories.PROMPT + edge.generate(i -> {}).text())
            .isEqualTo(CompiledStories.REFERENCE);
      }
    }
  }

  @Test
  void edgeBootsDuringAnOutage_withLocalFallback_servesOnTheBoardAtOnce() throws Exception {
    try (LoopbackAgent edge =
        LoopbackAgent.at(2)
            .clouds(List.of(LoopbackWorker.deadPort()))
            .config(Map.of("cloud.fallback", "local"))
            .start()) {
      assertThat(health(edge.client())).isEqualTo(ServingStatus.SERVING);
      assertThat(timeToFirstToken(edge.client())).isLessThan(AT_ONCE);
      Generated r = edge.generate(i -> {});
      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getFinishedLocally()).isTrue();
      assertThat(r.summary().getFallbackReason()).contains("cloud marked down");
    }
  }

  private static Map<String, String> withFallback(Map<String, String> config) {
    Map<String, String> c = new java.util.HashMap<>(config);
    c.put("cloud.fallback", "local");
    return c;
  }

  /** From the call to its first token event. */
  private static Duration timeToFirstToken(ManagedChannel client) {
    long t0 = System.nanoTime();
    Iterator<GenerateResponse> it =
        EdgeServiceGrpc.newBlockingStub(client)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .generate(CompiledStories.referenceRequest());
    GenerateResponse first = it.next();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(first.hasToken()).isTrue();
    it.forEachRemaining(r -> {});
    return took;
  }

  private static ServingStatus health(ManagedChannel client) {
    return HealthGrpc.newBlockingStub(client)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  /** A worker on {@code port} again (the old one's connections may hold the port for a moment). */
  private static LoopbackWorker restart(int cut, int port) {
    LoopbackWorker[] started = new LoopbackWorker[1];
    await()
        .atMost(30, TimeUnit.SECONDS)
        .ignoreExceptions()
        .until(
            () -> {
              started[0] = LoopbackWorker.at(cut).port(port).start();
              return true;
            });
    return started[0];
  }

  /** A loopback port nothing listens on. */
}
