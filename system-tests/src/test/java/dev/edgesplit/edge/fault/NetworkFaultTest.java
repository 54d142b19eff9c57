package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Network faults between a real edge agent and a real cloud worker, injected by a loopback TCP
 * proxy while a cloud step is held (so the fault lands mid-generation every time): the generation
 * still produces exactly the reference text, and the worker frees the lost session's KV cache.
 */
class NetworkFaultTest {

  private static final int HOLD_AT = 40;

  @Test
  void droppedConnections_midGeneration_reconnectAndReplay_sameText() throws Exception {
    StepGate gate = new StepGate(HOLD_AT);
    try (LoopbackWorker cloud = LoopbackWorker.at(2).wrap(gate::wrap).start();
        FaultProxy proxy = new FaultProxy(cloud.port());
        LoopbackAgent edge =
            LoopbackAgent.at(2)
                .clouds(List.of(proxy.port()))
                .config(Map.of("cloud.retry.deadline_ms", "20000"))
                .start()) {
      CompletableFuture<Generated> run =
          CompletableFuture.supplyAsync(() -> edge.generate(i -> {}));
      gate.awaitReached();
      proxy.dropConnections();
      gate.release();
      Generated r = run.get(60, TimeUnit.SECONDS);

      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
      assertThat(r.summary().getFinishedLocally()).isFalse();
      assertThat(proxy.accepted()).isGreaterThanOrEqualTo(2);
      await().atMost(10, TimeUnit.SECONDS).until(() -> cloud.sessions() == 0);
    } finally {
      gate.release();
    }
  }

  @Test
  void stalledLink_workerReapsTheSilentSession_afterItsIdleTtl_generationRecoversAfterResume()
      throws Exception {
    StepGate gate = new StepGate(HOLD_AT);
    try (LoopbackWorker cloud =
            LoopbackWorker.at(2)
                .config(Map.of("limits.idle_ttl_ms", "300"))
                .wrap(gate::wrap)
                .start();
        FaultProxy proxy = new FaultProxy(cloud.port());
        LoopbackAgent edge =
            LoopbackAgent.at(2)
                .clouds(List.of(proxy.port()))
                .config(
                    Map.of(
                        "cloud.step_timeout_ms",
                        "1000",
                        "cloud.handshake_timeout_ms",
                        "1000",
                        "cloud.retry.deadline_ms",
                        "30000"))
                .start()) {
      CompletableFuture<Generated> run =
          CompletableFuture.supplyAsync(() -> edge.generate(i -> {}));
      gate.awaitReached();
      proxy.stall();
      gate.release();
      // The worker hears nothing from the edge and reaps the session after its idle TTL: the KV
      // cache does
      // not wait for a silent edge. After the stall the edge finds its session gone (NOT_FOUND) or,
      // when
      // the stall outlasted its step timeout, reconnects; either way it replays and continues.
      await().atMost(20, TimeUnit.SECONDS).until(() -> cloud.sessions() == 0);
      proxy.resume();
      Generated r = run.get(60, TimeUnit.SECONDS);

      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> cloud.sessions() == 0);
    } finally {
      gate.release();
    }
  }
}
