package dev.edgesplit.cli;

import dev.edgesplit.edge.link.CloudLink;
import dev.edgesplit.edge.link.CloudSessionCall;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergyReading;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
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
import java.util.Arrays;
import java.util.UUID;

/**
 * Runs real decode steps at one cut against a cloud worker, over the same link classes the edge agent uses,
 * and measures per-token latency and edge energy: the ground truth the plan's predictions are compared with.
 */
final class CutMeasurer {

  /** Median per decode token: a GC pause or a late JIT compile in one step does not move it. */
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

  /**
   * Runs untimed generations at {@code cut} for about {@code budget}. A fresh process (this one, and a freshly
   * started worker) runs its per-token gRPC and protobuf code interpreted or half-compiled for the first thousand
   * tokens or so; measured then, a fast link's per-token time comes out a millisecond or more too high.
   */
  void warmUp(int cut, Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    while (System.nanoTime() - deadline < 0) {
      steps(cut, 8, 120, deadline);
    }
  }

  /** Prefills {@code promptTokens} positions, runs {@code warmup} untimed and {@code tokens} timed decode steps. */
  Measured measure(int cut, int promptTokens, int warmup, int tokens) {
    double[][] steps = steps(cut, promptTokens, warmup + tokens, Long.MAX_VALUE);
    double[] millis = Arrays.copyOfRange(steps[0], warmup, warmup + tokens);
    double[] joules = Arrays.copyOfRange(steps[1], warmup, warmup + tokens);
    return new Measured(cut, median(millis), median(joules), tokens);
  }

  /** Per decode step: {milliseconds, edge joules}; stops early once {@code deadlineNanos} has passed. */
  private double[][] steps(int cut, int promptTokens, int steps, long deadlineNanos) {
    int maxContext = promptTokens + steps + 1;
    CloudLink link = new CloudLink(cloud, HandshakeRequest.newBuilder().setProtocolVersion(1)
        .setModelFingerprint(model.fingerprint()).setCut(cut).setHiddenDtype(DType.DTYPE_FP16)
        .setMaxContext(maxContext).build(), Duration.ofSeconds(10));
    HandshakeResponse worker = link.handshake();
    if (worker.getCut() != cut) {
      throw new IllegalStateException("worker answered cut " + worker.getCut() + " for " + cut);
    }
    int vocab = model.config().vocabSize();
    String session = UUID.randomUUID().toString();
    SamplingParams greedy = SamplingParams.newBuilder().setTemperature(0).build();
    double[] millis = new double[steps];
    double[] joules = new double[steps];
    try (SegmentChain edge = model.openEdge(cut, new RuntimeOptions(runtime.intraOpThreads(), maxContext));
        ChainState state = edge.newState();
        CloudSessionCall call = link.openSession(Duration.ofMinutes(5))) {
      int[] prompt = new int[promptTokens];
      for (int i = 0; i < promptTokens; i++) {
        prompt[i] = 1 + i % (vocab - 1);
      }
      float[] hidden = edge.forwardTokens(state, prompt);
      SessionReply reply = exchange(call, session, cut, hidden, 0, promptTokens, FramePhase.FRAME_PHASE_PREFILL, greedy);
      int position = promptTokens;
      for (int step = 0; step < steps && System.nanoTime() - deadlineNanos < 0; step++) {
        int token = (int) Math.floorMod(Integer.toUnsignedLong(reply.getTokenId()), (long) vocab);
        EnergyReading before = meter.read();
        long t0 = System.nanoTime();
        hidden = edge.forwardTokens(state, new int[] {token});
        reply = exchange(call, session, cut, hidden, position, 1, FramePhase.FRAME_PHASE_DECODE, greedy);
        long took = System.nanoTime() - t0;
        EnergyReading after = meter.read();
        position++;
        millis[step] = took / 1e6;
        joules[step] = Math.max(0, after.joulesSince(before));
      }
      call.complete();
      return new double[][] {millis, joules};
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private SessionReply exchange(CloudSessionCall call, String session, int cut, float[] hidden, int start, int rows,
      FramePhase phase, SamplingParams sampling) {
    HiddenTensor tensor = HiddenCodec.encode(hidden, 0, rows, model.config().dim(), DType.DTYPE_FP16);
    return call.exchange(SessionFrame.newBuilder().setSessionId(session).setCut(cut).setStartPosition(start)
        .setHidden(tensor).setSampling(sampling).setPhase(phase).setLast(true).build(), Duration.ofSeconds(30));
  }
}
