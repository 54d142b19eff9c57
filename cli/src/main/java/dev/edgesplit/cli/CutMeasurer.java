package dev.edgesplit.cli;

import dev.edgesplit.edge.link.CloudLink;
import dev.edgesplit.edge.link.CloudSessionCall;
import dev.edgesplit.edge.link.ReplyCheck;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergyReading;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.planner.link.LinkEstimator;
import dev.edgesplit.proto.Protocol;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.proto.v1.HandshakeResponse;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntConsumer;

/**
 * Runs real decode steps at one cut against a cloud worker, over the same link classes the edge
 * agent uses ({@link CloudLink}, {@link CloudSessionCall}, the wire codec and {@link ReplyCheck}),
 * and measures per-token latency and edge energy: the ground truth the plan's predictions are
 * compared with. It drives the session itself rather than through the agent's {@code
 * ResilientSession}: a step must be timed as one round trip, and a recovery (reconnect, replay)
 * inside a timed step would be measured as link time instead of failing the measurement.
 */
final class CutMeasurer {

  /**
   * Per decode token at one cut: the median latency (a GC pause or a late JIT compile in one step
   * does not move it) and the median over passes of each pass's edge joules per token (the meter is
   * read around a whole pass: an estimate built on the process CPU clock moves in 10 ms ticks, too
   * coarse for one step; a garbage collection in one pass does not move the median).
   */
  record Measured(int cut, double latencyMillis, double edgeJoules, int tokens) {}

  private final CompiledModel model;
  private final RuntimeOptions runtime;
  private final Channel cloud;
  private final EnergyMeter meter;

  CutMeasurer(CompiledModel model, RuntimeOptions runtime, Channel cloud, EnergyMeter meter) {
    this.model = model;
    this.runtime = runtime;
    this.cloud = cloud;
    this.meter = meter;
  }

  /** What the untimed warm-up steps saw, per decode step, milliseconds. */
  record Live(List<Double> edgeMillis, List<Double> cloudMillis, List<Double> linkMillis) {}

  /**
   * Runs untimed generations at {@code cut} for about {@code budget}. A fresh process (this one,
   * and a freshly started worker) runs its per-token gRPC and protobuf code interpreted or
   * half-compiled for the first thousand tokens or so; measured then, a fast link's per-token time
   * comes out a millisecond or more too high.
   *
   * @return each decode step's edge compute, the compute the worker reported, and the link time
   *     (the round trip minus that compute)
   */
  Live warmUp(int cut, Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    Live live = new Live(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    while (System.nanoTime() - deadline < 0) {
      Pass p = run(cut, 8, 0, 120, deadline);
      live.edgeMillis().addAll(p.edgeMillis());
      live.cloudMillis().addAll(p.cloudMillis());
      live.linkMillis().addAll(p.linkMillis());
    }
    return live;
  }

  /**
   * Measures every cut in {@code passes} round-robin passes, each prefilling {@code promptTokens}
   * positions and timing {@code tokens / passes} decode steps after {@code warmup} untimed ones.
   * The speed of a shared machine drifts over the minutes a sweep takes; in passes the drift
   * spreads over every cut instead of landing on a few.
   */
  Map<Integer, Measured> measure(
      List<Integer> cuts,
      int promptTokens,
      int warmup,
      int tokens,
      int passes,
      IntConsumer afterPass) {
    int perPass = Math.max(1, (tokens + passes - 1) / passes);
    Map<Integer, List<Double>> millis = new LinkedHashMap<>();
    Map<Integer, List<Double>> joulesPerToken = new LinkedHashMap<>(); // one figure per pass
    for (int pass = 0; pass < passes; pass++) {
      for (int cut : cuts) {
        Pass p = run(cut, promptTokens, warmup, perPass, Long.MAX_VALUE);
        millis.computeIfAbsent(cut, c -> new ArrayList<>()).addAll(p.millis());
        joulesPerToken
            .computeIfAbsent(cut, c -> new ArrayList<>())
            .add(p.joules() / Math.max(1, p.millis().size()));
      }
      afterPass.accept(pass + 1);
    }
    Map<Integer, Measured> out = new LinkedHashMap<>();
    for (int cut : cuts) {
      out.put(
          cut,
          new Measured(
              cut,
              LinkEstimator.median(millis.get(cut)),
              LinkEstimator.median(joulesPerToken.get(cut)),
              millis.get(cut).size()));
    }
    return out;
  }

  /**
   * The timed steps of one session: each step's milliseconds, and its parts (edge compute, the
   * worker's compute, the link time = round trip minus the worker's compute); the edge joules of
   * all of them.
   */
  private record Pass(
      List<Double> millis,
      List<Double> edgeMillis,
      List<Double> cloudMillis,
      List<Double> linkMillis,
      double joules) {}

  /**
   * One session at {@code cut}: {@code warmup} untimed, then up to {@code timed} timed decode
   * steps.
   */
  private Pass run(int cut, int promptTokens, int warmup, int timed, long deadlineNanos) {
    int maxContext = promptTokens + warmup + timed + 1;
    CloudLink link =
        new CloudLink(
            cloud,
            HandshakeRequest.newBuilder()
                .setProtocolVersion(Protocol.VERSION)
                .setModelFingerprint(model.fingerprint())
                .setCut(cut)
                .setHiddenDtype(DType.DTYPE_FP16)
                .setMaxContext(maxContext)
                .build(),
            Duration.ofSeconds(10));
    HandshakeResponse worker = link.handshake();
    if (worker.getCut() != cut) {
      throw new IllegalStateException("worker answered cut " + worker.getCut() + " for " + cut);
    }
    int vocab = model.config().vocabSize();
    String session = UUID.randomUUID().toString();
    SamplingParams greedy = SamplingParams.newBuilder().setTemperature(0).build();
    List<Double> millis = new ArrayList<>(timed);
    List<Double> edgeMillis = new ArrayList<>(timed);
    List<Double> cloudMillis = new ArrayList<>(timed);
    List<Double> linkMillis = new ArrayList<>(timed);
    try (SegmentChain edge =
            model.openEdge(cut, new RuntimeOptions(runtime.intraOpThreads(), maxContext));
        ChainState state = edge.newState();
        CloudSessionCall call = link.openSession(Duration.ofMinutes(5))) {
      int[] prompt = new int[promptTokens];
      for (int i = 0; i < promptTokens; i++) {
        prompt[i] = 1 + i % (vocab - 1);
      }
      float[] hidden = edge.forwardTokens(state, prompt);
      SessionReply reply =
          ReplyCheck.requireAnswer(
              "measured prefill",
              exchange(
                  call,
                  session,
                  cut,
                  hidden,
                  0,
                  promptTokens,
                  FramePhase.FRAME_PHASE_PREFILL,
                  greedy),
              promptTokens,
              true,
              false);
      int position = promptTokens;
      EnergyReading start = null;
      for (int step = 0; step < warmup + timed && System.nanoTime() - deadlineNanos < 0; step++) {
        if (step == warmup) {
          start = meter.read();
        }
        int token = (int) Math.floorMod(Integer.toUnsignedLong(reply.getTokenId()), (long) vocab);
        long t0 = System.nanoTime();
        hidden = edge.forwardTokens(state, new int[] {token});
        long t1 = System.nanoTime();
        reply =
            exchange(
                call, session, cut, hidden, position, 1, FramePhase.FRAME_PHASE_DECODE, greedy);
        long t2 = System.nanoTime();
        ReplyCheck.requireAnswer("measured step", reply, position + 1, true, false);
        if (step >= warmup) {
          double cloudMs = reply.getComputeTimeUs() / 1e3;
          millis.add((t2 - t0) / 1e6);
          edgeMillis.add((t1 - t0) / 1e6);
          cloudMillis.add(cloudMs);
          linkMillis.add(Math.max(0, (t2 - t1) / 1e6 - cloudMs));
        }
        position++;
      }
      double joules = start == null ? 0 : Math.max(0, meter.read().joulesSince(start));
      call.complete();
      return new Pass(millis, edgeMillis, cloudMillis, linkMillis, joules);
    }
  }

  private SessionReply exchange(
      CloudSessionCall call,
      String session,
      int cut,
      float[] hidden,
      int start,
      int rows,
      FramePhase phase,
      SamplingParams sampling) {
    HiddenTensor tensor =
        HiddenCodec.encode(hidden, 0, rows, model.config().dim(), DType.DTYPE_FP16);
    return call.exchange(
        SessionFrame.newBuilder()
            .setSessionId(session)
            .setCut(cut)
            .setStartPosition(start)
            .setHidden(tensor)
            .setSampling(sampling)
            .setPhase(phase)
            .setLast(true)
            .build(),
        Duration.ofSeconds(30));
  }
}
