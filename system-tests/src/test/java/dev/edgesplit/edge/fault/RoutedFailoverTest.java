package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.edge.generate.EdgeSlowdown;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.generate.StepRecord;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Recovery on a re-planned route: an edge agent with per-layer chains moved off its configured cut,
 * any-cut workers, and a fault mid-generation. The recovered session must run at the route's cut
 * (the worker's own default cut differs), and the step hooks must see every step, before and after
 * the recovery.
 */
class RoutedFailoverTest {

  private static final int HOLD_AT = 30;
  private static final int START_CUT = 1;
  private static final int ROUTE_CUT = 3;

  @Test
  void workerLostAfterAReplan_sessionReplaysAtTheRoutesCut_onTheOtherWorker_andHooksSeeEveryStep()
      throws Exception {
    StepGate gate = new StepGate(HOLD_AT);
    Recorder recorder = new Recorder();
    try (LoopbackWorker a =
            LoopbackWorker.at(START_CUT)
                .config(Map.of("drain_timeout_ms", "1"))
                .wrap(gate::wrap)
                .anyCut()
                .start();
        LoopbackWorker b = LoopbackWorker.at(START_CUT).anyCut().start();
        LoopbackAgent edge = routedAgent(List.of(a.port(), b.port()), Map.of(), recorder)) {
      edge.server().useCut(ROUTE_CUT);
      Generated r = StepGate.stopWhileHeld(gate, a, () -> edge.generate(i -> {}));

      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getCut()).isEqualTo(ROUTE_CUT);
      assertThat(r.summary().getCloudRecoveries()).isEqualTo(1);
      recorder.assertSawOneGenerationOf(r.summary(), ROUTE_CUT);
      await().atMost(10, TimeUnit.SECONDS).until(() -> b.sessions() == 0);
    } finally {
      gate.release();
    }
  }

  @Test
  void noWorkerReachableAfterAReplan_localFallbackRunsTheRoutesCutOnTheBoard_andHooksSeeEveryStep()
      throws Exception {
    Recorder recorder = new Recorder();
    try (LoopbackAgent edge =
        routedAgent(
            List.of(LoopbackWorker.deadPort()),
            Map.of("cloud.fallback", "local", "cloud.retry.deadline_ms", "300"),
            recorder)) {
      edge.server().useCut(ROUTE_CUT);
      Generated r = edge.generate(i -> {});

      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
      assertThat(r.summary().getFinishedLocally()).isTrue();
      assertThat(r.summary().getCut()).isEqualTo(ROUTE_CUT);
      recorder.assertSawOneGenerationOf(r.summary(), ROUTE_CUT);
    }
  }

  /** Counts the hooks' calls: energy spans and listener events. */
  private static final class Recorder implements StepListener, StepEnergy {
    final ConcurrentLinkedQueue<StepRecord> steps = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<GenerationSummary> summaries = new ConcurrentLinkedQueue<>();
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final AtomicInteger spans = new AtomicInteger();

    @Override
    public Span begin(String sessionId, int step, double weight) {
      spans.incrementAndGet();
      return StepEnergy.none().begin(sessionId, step, weight);
    }

    @Override
    public Optional<EnergyMeter> meter() {
      return Optional.empty();
    }

    @Override
    public void sessionOpened(String sessionId, long kvBytes) {
      opened.incrementAndGet();
    }

    @Override
    public void sessionClosed(String sessionId, long kvBytes) {
      closed.incrementAndGet();
    }

    @Override
    public void onStep(StepRecord step) {
      steps.add(step);
    }

    @Override
    public void onSummary(String sessionId, GenerationSummary summary) {
      summaries.add(summary);
    }

    void assertSawOneGenerationOf(GenerationSummary summary, int cut) {
      assertThat(opened).hasValue(1);
      assertThat(closed).hasValue(1);
      assertThat(summaries).containsExactly(summary);
      // One step per token (the first is the prefill), each with an energy span, all at the route's
      // cut.
      assertThat(steps).hasSize(summary.getGeneratedTokens());
      assertThat(spans).hasValue(summary.getGeneratedTokens());
      assertThat(steps).allSatisfy(s -> assertThat(s.cut()).isEqualTo(cut));
      assertThat(steps.stream().mapToInt(StepRecord::tokenIndex))
          .containsExactlyElementsOf(
              IntStream.range(0, summary.getGeneratedTokens()).boxed().toList());
    }
  }

  /** An agent over per-layer chains (so it can move its cut) with the recorder as its hooks. */
  private static LoopbackAgent routedAgent(
      List<Integer> cloudPorts, Map<String, String> config, Recorder recorder) {
    return LoopbackAgent.at(START_CUT)
        .perLayer()
        .clouds(cloudPorts)
        .config(config)
        .hooks(new StepHooks(recorder, recorder, EdgeSlowdown.none()))
        .start();
  }
}
