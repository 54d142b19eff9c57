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
import java.util.UUID;

/**
 * Runs real decode steps at one cut against a cloud worker, over the same link classes the edge agent uses,
 * and measures per-token latency and edge energy: the ground truth the plan's predictions are compared with.
 */
final class CutMeasurer {

  /** Mean per decode token. */
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

  /** Prefills {@code promptTokens} positions, runs {@code warmup} untimed and {@code tokens} timed decode steps. */
  Measured measure(int cut, int promptTokens, int warmup, int tokens) {
    int maxContext = promptTokens + warmup + tokens + 1;
    CloudLink link = new CloudLink(cloud, HandshakeRequest.newBuilder().setProtocolVersion(1)
        .setModelFingerprint(model.fingerprint()).setCut(cut).setHiddenDtype(DType.DTYPE_FP16)
        .setMaxContext(maxContext).build(), Duration.ofSeconds(10));
    HandshakeResponse worker = link.handshake();
    int vocab = model.config().vocabSize();
    String session = UUID.randomUUID().toString();
    SamplingParams greedy = SamplingParams.newBuilder().setTemperature(0).build();
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
      double millis = 0;
      double joules = 0;
      for (int step = 0; step < warmup + tokens; step++) {
        int token = (int) Math.floorMod(Integer.toUnsignedLong(reply.getTokenId()), (long) vocab);
        EnergyReading before = meter.read();
        long t0 = System.nanoTime();
        hidden = edge.forwardTokens(state, new int[] {token});
        reply = exchange(call, session, cut, hidden, position, 1, FramePhase.FRAME_PHASE_DECODE, greedy);
        long took = System.nanoTime() - t0;
        EnergyReading after = meter.read();
        position++;
        if (step >= warmup) {
          millis += took / 1e6;
          joules += Math.max(0, after.joulesSince(before));
        }
      }
      call.complete();
      if (worker.getCut() != cut) {
        throw new IllegalStateException("worker answered cut " + worker.getCut() + " for " + cut);
      }
      return new Measured(cut, millis / tokens, joules / tokens, tokens);
    }
  }

  private SessionReply exchange(CloudSessionCall call, String session, int cut, float[] hidden, int start, int rows,
      FramePhase phase, SamplingParams sampling) {
    HiddenTensor tensor = HiddenCodec.encode(hidden, 0, rows, model.config().dim(), DType.DTYPE_FP16);
    return call.exchange(SessionFrame.newBuilder().setSessionId(session).setCut(cut).setStartPosition(start)
        .setHidden(tensor).setSampling(sampling).setPhase(phase).setLast(true).build(), Duration.ofSeconds(30));
  }
}
