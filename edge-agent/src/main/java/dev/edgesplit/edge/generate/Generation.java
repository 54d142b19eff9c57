package dev.edgesplit.edge.generate;

import dev.edgesplit.edge.energy.EnergyReading;
import dev.edgesplit.edge.energy.StepEnergy;
import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.EnergySource;
import dev.edgesplit.proto.v1.FinishReason;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import dev.edgesplit.proto.v1.TokenEvent;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.UUID;

/**
 * One Generate call: runs the edge segment, exchanges h_cut and tokens with the cloud worker, streams token
 * events and a summary. Checks cancellation and the deadline of the client's call before every step. Runs on
 * one thread; {@link #run()} throws on failure and the caller maps the exception to a status.
 */
public final class Generation {

  private final ValidRequest request;
  private final SegmentChain edge;
  private final Tokenizer tokenizer;
  private final CloudSessions cloud;
  private final GenerationSettings settings;
  private final StepEnergy energy;
  private final ServerCallStreamObserver<GenerateResponse> out;
  private final OutputGate gate;
  private final long arrivalNanos;
  private final SentHiddenLog sent = new SentHiddenLog();
  private final String sessionId = UUID.randomUUID().toString();

  public Generation(ValidRequest request, SegmentChain edge, Tokenizer tokenizer, CloudSessions cloud,
      GenerationSettings settings, StepEnergy energy,
      ServerCallStreamObserver<GenerateResponse> out, OutputGate gate, long arrivalNanos) {
    this.request = request;
    this.edge = edge;
    this.tokenizer = tokenizer;
    this.cloud = cloud;
    this.settings = settings;
    this.energy = energy;
    this.out = out;
    this.gate = gate;
    this.arrivalNanos = arrivalNanos;
  }

  /** The hidden states sent so far (for replay on another worker). */
  public SentHiddenLog sentHidden() {
    return sent;
  }

  public void run() throws InterruptedException {
    Context context = Context.current();
    StepEnergy.Span span = energy.begin();
    int dim = edge.config().dim();
    int[] prompt = request.prompt();
    Tokenizer.StreamDecoder decoder = tokenizer.newDecoder(prompt[prompt.length - 1]);
    StringBuilder text = new StringBuilder();
    double cloudJoules = 0;
    EnergySource cloudSource = EnergySource.getDefaultInstance();
    long firstTokenNanos = 0;
    int generated = 0;
    FinishReason finish;
    boolean local;
    String fallbackReason;
    int recoveries;
    int cut;
    try (ChainState state = edge.newState();
        ResilientSession call = cloud.open(sessionId, request.sampling(), sent)) {
      checkAlive(context);
      float[] hidden = edge.forwardTokens(state, prompt);
      SessionReply reply = null;
      for (int row = 0; row < prompt.length; ) {
        checkAlive(context);
        int rows = Math.min(call.worker().getMaxFramePositions(), prompt.length - row);
        boolean last = row + rows == prompt.length;
        reply = send(call, hidden, row, rows, FramePhase.FRAME_PHASE_PREFILL, last);
        cloudJoules += reply.getCloudJoules();
        cloudSource = reply.getCloudEnergySource();
        row += rows;
      }
      while (true) {
        int token = tokenOf(reply);
        if (token == tokenizer.eos() || token == tokenizer.bos()) {
          finish = FinishReason.FINISH_REASON_EOS;
          break;
        }
        String piece = decoder.next(token);
        int before = text.length();
        text.append(piece);
        checkAlive(context);
        gate.awaitReady(context);
        checkAlive(context);
        out.onNext(GenerateResponse.newBuilder().setToken(TokenEvent.newBuilder()
            .setTokenId(token).setText(piece).setLogprob(reply.getLogprob()).setIndex(generated)).build());
        if (generated++ == 0) {
          firstTokenNanos = System.nanoTime();
        }
        if (hitStop(text, before)) {
          finish = FinishReason.FINISH_REASON_STOP_STRING;
          break;
        }
        if (generated >= request.maxNewTokens()) {
          finish = FinishReason.FINISH_REASON_MAX_TOKENS;
          break;
        }
        if (state.position() >= call.worker().getMaxContext() || state.position() >= edge.maxContext()) {
          finish = FinishReason.FINISH_REASON_CONTEXT_FULL;
          break;
        }
        checkAlive(context);
        hidden = edge.forwardTokens(state, new int[] {token});
        reply = send(call, hidden, 0, 1, FramePhase.FRAME_PHASE_DECODE, true);
        cloudJoules += reply.getCloudJoules();
        cloudSource = reply.getCloudEnergySource();
      }
      call.complete();
      local = call.local();
      fallbackReason = call.fallbackReason();
      recoveries = call.recoveries();
      cut = call.worker().getCut();
    }
    EnergyReading edgeJoules = span.end();
    long end = System.nanoTime();
    int perToken = Math.max(1, generated);
    out.onNext(GenerateResponse.newBuilder().setSummary(GenerationSummary.newBuilder()
        .setFinishReason(finish)
        .setPromptTokens(prompt.length)
        .setGeneratedTokens(generated)
        .setTokensPerSecond(generated / Math.max(1e-9, (end - arrivalNanos) / 1e9))
        .setTimeToFirstTokenMs(generated == 0 ? 0 : (firstTokenNanos - arrivalNanos) / 1e6)
        .setEdgeJoulesPerToken(edgeJoules.joules() / perToken)
        .setEdgeEnergySource(EnergySource.newBuilder().setKind(edgeJoules.kind())
            .setMeasured(edgeJoules.measured()).setDescription(edgeJoules.description()))
        .setCloudJoulesPerToken(cloudJoules / perToken)
        .setCloudEnergySource(cloudSource)
        .setCut(cut)
        .setBytesSentPerToken((double) sent.bytes() / perToken)
        .setFinishedLocally(local)
        .setFallbackReason(fallbackReason)
        .setCloudRecoveries(recoveries))
        .build());
    out.onCompleted();
  }

  private SessionReply send(ResilientSession call, float[] hidden, int row, int rows, FramePhase phase, boolean last) {
    HiddenTensor tensor = HiddenCodec.encode(hidden, row, rows, edge.config().dim(), settings.hiddenDtype());
    SessionFrame frame = SessionFrame.newBuilder()
        .setSessionId(sessionId)
        .setStartPosition(sent.positions())
        .setHidden(tensor)
        .setSampling(request.sampling())
        .setPhase(phase)
        .setLast(last)
        .build();
    SessionReply reply = call.exchange(frame);
    sent.add(tensor);
    if (reply.getPosition() != sent.positions() || reply.getHasToken() != last) {
      throw new CloudLinkException("session step", Status.INTERNAL.withDescription("reply at position "
          + reply.getPosition() + " (token: " + reply.getHasToken() + ") does not answer the frame ending at "
          + sent.positions()));
    }
    return reply;
  }

  private int tokenOf(SessionReply reply) {
    long token = Integer.toUnsignedLong(reply.getTokenId());
    if (token >= tokenizer.vocabSize()) {
      throw new CloudLinkException("session step", Status.INTERNAL.withDescription("sampled token " + token
          + " outside the vocabulary of " + tokenizer.vocabSize()));
    }
    return (int) token;
  }

  private boolean hitStop(CharSequence text, int before) {
    for (String stop : request.stops()) {
      int from = Math.max(0, before - stop.length() + 1);
      if (text.toString().indexOf(stop, from) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static void checkAlive(Context context) {
    if (context.isCancelled()) {
      Throwable cause = context.cancellationCause();
      Status status = context.getDeadline() != null && context.getDeadline().isExpired()
          ? Status.DEADLINE_EXCEEDED.withDescription("client deadline expired during generation")
          : Status.CANCELLED.withDescription("client cancelled the generation");
      throw status.withCause(cause).asRuntimeException();
    }
  }
}
