package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
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
    try (LoopbackWorker a =
            LoopbackWorker.at(3).config(Map.of("drain_timeout_ms", "1")).wrap(gate::wrap).start();
        LoopbackWorker b = LoopbackWorker.at(3).start();
        LoopbackAgent edge = LoopbackAgent.at(3).clouds(List.of(a.port(), b.port())).start()) {
      Generated r = StepGate.stopWhileHeld(gate, a, () -> edge.generate(i -> {}));

      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
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
    try (LoopbackWorker a =
            LoopbackWorker.at(3).config(Map.of("drain_timeout_ms", "1")).wrap(gate::wrap).start();
        LoopbackWorker b = LoopbackWorker.at(3).start();
        LoopbackAgent edge =
            LoopbackAgent.at(3)
                .clouds(List.of(a.port(), b.port()))
                .config(Map.of("cloud.prefill_chunk", "2"))
                .start()) {
      Generated r = StepGate.stopWhileHeld(gate, a, () -> edge.generate(i -> {}));

      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
    } finally {
      gate.release();
    }
  }

  @Test
  void drainingWorker_finishesItsRunningSession_whileNewSessionsGoToTheOtherWorker()
      throws Exception {
    StepGate gate = new StepGate(HOLD_AT);
    try (LoopbackWorker a =
            LoopbackWorker.at(2)
                .config(Map.of("drain_timeout_ms", "60000"))
                .wrap(gate::wrap)
                .start();
        LoopbackWorker b = LoopbackWorker.at(2).start();
        // A step timeout beyond the test's bound: the held step must not time out at the edge.
        LoopbackAgent edge =
            LoopbackAgent.at(2)
                .clouds(List.of(a.port(), b.port()))
                .config(Map.of("cloud.step_timeout_ms", "120000"))
                .start()) {
      CompletableFuture<Generated> first =
          CompletableFuture.supplyAsync(() -> edge.generate(i -> {}));
      gate.awaitReached();
      assertThat(a.health()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      CompletableFuture<Void> stop = CompletableFuture.runAsync(a::close);
      // Health reports NOT_SERVING first, then the worker refuses new sessions (UNAVAILABLE): the
      // next
      // generation goes to B, at its first frame at the latest.
      await()
          .atMost(10, TimeUnit.SECONDS)
          .until(() -> a.health() != HealthCheckResponse.ServingStatus.SERVING);
      Generated second = edge.generate(i -> {});
      assertThat(CompiledStories.PROMPT + second.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(second.summary().getCloudRecoveries()).isLessThanOrEqualTo(1);
      assertThat(stop).isNotDone();
      assertThat(a.sessions())
          .as("the held session is still running on the draining worker")
          .isEqualTo(1);

      gate.release();
      Generated r = first.get(60, TimeUnit.SECONDS);
      stop.get(30, TimeUnit.SECONDS);
      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
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
    int dead1 = LoopbackWorker.deadPort();
    int dead2 = LoopbackWorker.deadPort();
    // Down at start: the cloud is marked down from the first request on (OutageTest covers the
    // window that
    // marks it down when the workers go away later).
    try (LoopbackAgent edge = LoopbackAgent.at(2).clouds(List.of(dead1, dead2)).start()) {
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
    try (LoopbackAgent edge =
        LoopbackAgent.at(1)
            .clouds(List.of(LoopbackWorker.deadPort()))
            .config(Map.of("cloud.fallback", "local", "cloud.retry.deadline_ms", "300"))
            .start()) {
      Generated r = edge.generate(i -> {});
      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getFinishedLocally()).isTrue();
      assertThat(r.summary().getFallbackReason()).contains("no cloud worker");
      assertThat(r.summary().getCut()).isEqualTo(1);
    }
  }

  @Test
  void localFallback_workerLostMidGeneration_replaysAndContinuesOnTheBoard_sameText()
      throws Exception {
    StepGate gate = new StepGate(HOLD_AT);
    try (LoopbackWorker a =
            LoopbackWorker.at(4).config(Map.of("drain_timeout_ms", "1")).wrap(gate::wrap).start();
        LoopbackAgent edge =
            LoopbackAgent.at(4)
                .clouds(List.of(a.port()))
                .config(Map.of("cloud.fallback", "local", "cloud.retry.deadline_ms", "500"))
                .start()) {
      Generated r = StepGate.stopWhileHeld(gate, a, () -> edge.generate(i -> {}));

      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getFinishedLocally()).isTrue();
      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
      assertThat(r.summary().getFallbackReason())
          .contains("no cloud worker of [127.0.0.1:" + a.port() + "]");
    } finally {
      gate.release();
    }
  }

  /** A loopback port nothing listens on. */
}
