package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.edge.fault.Harness.Agent;
import dev.edgesplit.edge.fault.Harness.Result;
import dev.edgesplit.edge.fault.Harness.Worker;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cloud workers that stop, drain or never answer, around a real edge agent (stories260K, loopback
 * sockets): failover to the next worker with replay, graceful drain, giving up with UNAVAILABLE,
 * and the local fallback.
 */
class CloudFailoverTest {

  private static final int HOLD_AT = 30;

  @Test
  void workerStopsMidGeneration_sessionMovesToTheOtherWorker_sameText() throws Exception {
    StepGate gate = new StepGate(HOLD_AT);
    try (Worker a = new Worker(3, 0, Map.of("drain_timeout_ms", "1"), gate);
        Worker b = new Worker(3, 0, Map.of());
        Agent edge = new Agent(3, List.of(a.port(), b.port()), Map.of())) {
      Result r = Harness.stopWhileHeld(gate, a, () -> edge.generate(i -> {}));

      assertThat(Harness.PROMPT + r.text()).isEqualTo(Harness.REFERENCE);
      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
      // The held step finishes on its own thread after the gate opens; then its session is freed.
      await().atMost(10, TimeUnit.SECONDS).until(() -> a.sessions() == 0);
      await().atMost(10, TimeUnit.SECONDS).until(() -> b.sessions() == 0);
    } finally {
      gate.release();
    }
  }

  @Test
  void workerStopsDuringAPipelinedPrefill_theFramesInFlightGoAgain_sameText() throws Exception {
    // Prompt frames of 2 positions go out as the board computes them; the worker stops while
    // answering the
    // second, with the third already sent: the new worker gets the acknowledged frame as a replay,
    // then both.
    StepGate gate = new StepGate(2);
    try (Worker a = new Worker(3, 0, Map.of("drain_timeout_ms", "1"), gate);
        Worker b = new Worker(3, 0, Map.of());
        Agent edge =
            new Agent(3, List.of(a.port(), b.port()), Map.of("cloud.prefill_chunk", "2"))) {
      Result r = Harness.stopWhileHeld(gate, a, () -> edge.generate(i -> {}));

      assertThat(Harness.PROMPT + r.text()).isEqualTo(Harness.REFERENCE);
      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
    } finally {
      gate.release();
    }
  }

  @Test
  void drainingWorker_finishesItsRunningSession_whileNewSessionsGoToTheOtherWorker()
      throws Exception {
    StepGate gate = new StepGate(HOLD_AT);
    try (Worker a = new Worker(2, 0, Map.of("drain_timeout_ms", "60000"), gate);
        Worker b = new Worker(2, 0, Map.of());
        // A step timeout beyond the test's bound: the held step must not time out at the edge.
        Agent edge =
            new Agent(2, List.of(a.port(), b.port()), Map.of("cloud.step_timeout_ms", "120000"))) {
      CompletableFuture<Result> first = CompletableFuture.supplyAsync(() -> edge.generate(i -> {}));
      gate.awaitReached();
      assertThat(a.health()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      CompletableFuture<Void> stop = CompletableFuture.runAsync(a::close);
      // Health reports NOT_SERVING first, then the worker refuses new sessions (UNAVAILABLE): the
      // next
      // generation goes to B, at its first frame at the latest.
      await()
          .atMost(10, TimeUnit.SECONDS)
          .until(() -> a.health() != HealthCheckResponse.ServingStatus.SERVING);
      Result second = edge.generate(i -> {});
      assertThat(Harness.PROMPT + second.text()).isEqualTo(Harness.REFERENCE);
      assertThat(second.summary().getCloudRecoveries()).isLessThanOrEqualTo(1);
      assertThat(stop).isNotDone();
      assertThat(a.sessions())
          .as("the held session is still running on the draining worker")
          .isEqualTo(1);

      gate.release();
      Result r = first.get(60, TimeUnit.SECONDS);
      stop.get(30, TimeUnit.SECONDS);
      assertThat(Harness.PROMPT + r.text()).isEqualTo(Harness.REFERENCE);
      assertThat(r.summary().getCloudRecoveries())
          .as("the draining worker finished the running session")
          .isZero();
      assertThat(a.sessions()).isZero();
    } finally {
      gate.release();
    }
  }

  @Test
  void noWorkerReachable_failsWithUnavailable_namingTheWorkers_withoutWaitingOutTheRetryDeadline()
      throws Exception {
    int dead1 = deadPort();
    int dead2 = deadPort();
    // Down at start: the cloud is marked down from the first request on (OutageTest covers the
    // window that
    // marks it down when the workers go away later).
    try (Agent edge = new Agent(2, List.of(dead1, dead2), Map.of())) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> edge.generate(i -> {}))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription())
                    .contains(
                        "cloud marked down: no cloud worker of [127.0.0.1:"
                            + dead1
                            + ", 127.0.0.1:"
                            + dead2
                            + "]");
              });
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(15_000L);
    }
  }

  @Test
  void localFallback_noWorkerReachable_finishesOnTheBoard_sameText() throws Exception {
    try (Agent edge =
        new Agent(
            1,
            List.of(deadPort()),
            Map.of("cloud.fallback", "local", "cloud.retry.deadline_ms", "300"))) {
      Result r = edge.generate(i -> {});
      assertThat(Harness.PROMPT + r.text()).isEqualTo(Harness.REFERENCE);
      assertThat(r.summary().getFinishedLocally()).isTrue();
      assertThat(r.summary().getFallbackReason()).contains("no cloud worker");
      assertThat(r.summary().getCut()).isEqualTo(1);
    }
  }

  @Test
  void localFallback_workerLostMidGeneration_replaysAndContinuesOnTheBoard_sameText()
      throws Exception {
    StepGate gate = new StepGate(HOLD_AT);
    try (Worker a = new Worker(4, 0, Map.of("drain_timeout_ms", "1"), gate);
        Agent edge =
            new Agent(
                4,
                List.of(a.port()),
                Map.of("cloud.fallback", "local", "cloud.retry.deadline_ms", "500"))) {
      Result r = Harness.stopWhileHeld(gate, a, () -> edge.generate(i -> {}));

      assertThat(Harness.PROMPT + r.text()).isEqualTo(Harness.REFERENCE);
      assertThat(r.summary().getFinishedLocally()).isTrue();
      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
      assertThat(r.summary().getFallbackReason())
          .contains("no cloud worker of [127.0.0.1:" + a.port() + "]");
    } finally {
      gate.release();
    }
  }

  /** A loopback port nothing listens on. */
  private static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
