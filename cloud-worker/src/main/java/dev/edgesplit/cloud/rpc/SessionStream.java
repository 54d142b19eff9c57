package dev.edgesplit.cloud.rpc;

import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.StepExecutor;
import dev.edgesplit.cloud.compute.TokenChoice;
import dev.edgesplit.cloud.error.InvalidFrameException;
import dev.edgesplit.cloud.error.SessionNotFoundException;
import dev.edgesplit.cloud.error.StatusMapper;
import dev.edgesplit.cloud.metrics.CloudStep;
import dev.edgesplit.cloud.metrics.CloudStepListener;
import dev.edgesplit.cloud.session.CloudSession;
import dev.edgesplit.cloud.session.SessionRegistry;
import dev.edgesplit.cloud.speculate.WindowVerifier;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.EnergySource;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import dev.edgesplit.server.energy.EnergyReading;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of one {@code CloudService.Session} stream. Reads one frame at a time (manual flow
 * control: the next frame is requested only after the reply is sent), validates it, runs the step
 * on the {@link StepExecutor}, answers, and frees the stream's sessions when it ends, fails or is
 * cancelled. The first bad frame ends the stream with the mapped status; other streams are
 * unaffected.
 */
final class SessionStream implements StreamObserver<SessionFrame> {

  private static final Logger LOG = LoggerFactory.getLogger(SessionStream.class);

  private final ServerCallStreamObserver<SessionReply> out;
  private final FrameValidator validator;
  private final SessionRegistry registry;
  private final CloudCompute compute;
  private final StepExecutor steps;
  private final StepEnergy energy;
  private final LongSupplier nanoTime;
  private final CloudStepListener listener;
  private final Map<String, CloudSession> sessions = new HashMap<>();

  /** End layer of each U-shaped session on this stream (absent: the plain split). */
  private final Map<String, Integer> returnCuts = new HashMap<>();

  private boolean stepRunning;
  private boolean halfClosed;
  private boolean finished;

  SessionStream(
      ServerCallStreamObserver<SessionReply> out,
      FrameValidator validator,
      SessionRegistry registry,
      CloudCompute compute,
      StepExecutor steps,
      StepEnergy energy,
      LongSupplier nanoTime,
      CloudStepListener listener) {
    this.listener = listener;
    this.out = out;
    this.validator = validator;
    this.registry = registry;
    this.compute = compute;
    this.steps = steps;
    this.energy = energy;
    this.nanoTime = nanoTime;
  }

  /** Hooks cancellation and asks for the first frame; call from the service method. */
  void begin() {
    out.disableAutoRequest();
    out.setOnCancelHandler(() -> finish("stream cancelled"));
    out.request(1);
  }

  @Override
  public synchronized void onNext(SessionFrame frame) {
    if (finished) {
      return;
    }
    try {
      ValidFrame valid = validator.validate(frame);
      int cut = frame.hasCut() ? frame.getCut() : compute.info().cut();
      CloudSession session = sessionFor(valid, cut, frame);
      if (valid.closeOnly()) {
        sessions.remove(valid.sessionId());
        returnCuts.remove(valid.sessionId());
        session.close("closed by the edge");
        send(
            SessionReply.newBuilder()
                .setSessionId(valid.sessionId())
                .setPosition(valid.startPosition())
                .build());
        out.request(1);
        return;
      }
      session.beginStep();
      stepRunning = true;
      try {
        steps
            .submit(() -> runStep(session, valid, cut, frame.getHidden().getDtype()))
            .whenComplete((outcome, error) -> afterStep(session, valid, outcome, error));
      } catch (RuntimeException e) {
        stepRunning = false;
        session.endStep(nanoTime.getAsLong());
        throw e;
      }
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    finish("stream reset by the edge");
  }

  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    if (!stepRunning && !finished) {
      finish("stream completed");
      out.onCompleted();
    }
  }

  private CloudSession sessionFor(ValidFrame frame, int cut, SessionFrame raw) {
    CloudSession session = sessions.get(frame.sessionId());
    if (session == null) {
      if (frame.startPosition() != 0 || frame.closeOnly()) {
        throw new SessionNotFoundException(
            "no open session '" + frame.sessionId() + "' on this stream");
      }
      int n = compute.info().nLayers();
      if (raw.hasReturnCut() && (raw.getReturnCut() <= cut || raw.getReturnCut() > n)) {
        throw new InvalidFrameException(
            "return_cut "
                + Integer.toUnsignedString(raw.getReturnCut())
                + " must be above the cut "
                + cut
                + " and at most "
                + n);
      }
      int returnCut = raw.hasReturnCut() ? raw.getReturnCut() : n;
      session = registry.open(frame.sessionId(), frame.sampling(), cut, returnCut);
      sessions.put(frame.sessionId(), session);
      if (returnCut < n) {
        returnCuts.put(frame.sessionId(), returnCut);
      }
      return session;
    }
    int held = session.position();
    // A U-shaped session's window may rewind: the edge verified the last window and rejected the
    // rows past its start.
    boolean rewinds =
        frame.hiddenOnlyWindow()
            && returnCuts.containsKey(frame.sessionId())
            && frame.startPosition() < held;
    if (frame.startPosition() != held && !rewinds) {
      throw new InvalidFrameException(
          "session '"
              + frame.sessionId()
              + "' holds "
              + held
              + " positions but the frame starts at "
              + frame.startPosition());
    }
    return session;
  }

  /** A step's reply and what the listeners hear of it once the reply is on its way. */
  private record StepOutcome(SessionReply reply, CloudStep step) {}

  private StepOutcome runStep(CloudSession session, ValidFrame frame, int cut, DType dtype) {
    if (frame.startPosition() < session.state().position()) {
      // Only a U-shaped window gets here with an earlier start (checked in sessionFor).
      session.state().rewind(frame.startPosition());
    }
    int start = session.state().position();
    StepEnergy.Span span = energy.begin(frame.sessionId(), start, frame.seqLen());
    long t0 = nanoTime.getAsLong();
    TokenChoice choice;
    List<TokenChoice> window = null;
    boolean uShaped;
    HiddenTensor hiddenBack = null;
    synchronized (this) {
      uShaped = returnCuts.containsKey(frame.sessionId());
    }
    try {
      if (frame.window() && uShaped != frame.hiddenOnlyWindow()) {
        // The edge keeps the head in a U-shaped split, so only it verifies, and the worker must
        // never see the draft ids; a plain session's window needs them.
        throw new InvalidFrameException(
            uShaped
                ? "session '"
                    + frame.sessionId()
                    + "' is U-shaped: its window frames carry hidden states only, no draft tokens"
                : "session '"
                    + frame.sessionId()
                    + "' keeps the LM head on the worker: its window frames need draft tokens");
      }
      if (frame.hiddenOnlyWindow()) {
        choice = null;
        hiddenBack = middleWindow(session, frame, dtype);
      } else if (frame.window()) {
        window =
            WindowVerifier.verify(
                compute, session.state(), session.sampler(), frame.hidden(), frame.drafts());
        choice = window.get(window.size() - 1);
      } else {
        float[] out = compute.forward(session.state(), frame.hidden(), frame.seqLen());
        // A U-shaped session gets h_return_cut back and is never sampled: the edge keeps the head.
        choice =
            frame.sample() && !uShaped
                ? session.sampler().sample(out, session.state().position())
                : null;
        if (uShaped) {
          hiddenBack =
              HiddenCodec.encode(
                  FloatBuffer.wrap(out), frame.seqLen(), compute.info().dim(), dtype);
        }
      }
    } catch (RuntimeException e) {
      span.abandon();
      throw e;
    }
    long nanos = nanoTime.getAsLong() - t0;
    EnergyReading joules = span.end();
    SessionReply.Builder reply =
        SessionReply.newBuilder()
            .setSessionId(frame.sessionId())
            .setPosition(session.state().position())
            .setComputeTimeUs(nanos / 1000)
            .setCloudJoules(joules.joules())
            .setCloudEnergySource(
                EnergySource.newBuilder()
                    .setKind(joules.kind())
                    .setMeasured(joules.measured())
                    .setDescription(joules.description()));
    if (hiddenBack != null) {
      reply.setHidden(hiddenBack);
    }
    if (choice != null) {
      reply.setHasToken(true).setTokenId(choice.token());
      if (choice.hasLogprob()) {
        reply.setLogprob(choice.logprob());
      }
    }
    if (window != null) {
      for (TokenChoice c : window) {
        reply.addWindowTokens(c.token());
        if (c.hasLogprob()) {
          reply.addWindowLogprobs(c.logprob());
        }
      }
    }
    int ran = session.state().position() - start;
    // A U-shaped session's token steps count as tokens (for metrics and joules) without the worker
    // knowing them.
    CloudStep step =
        new CloudStep(
            frame.sessionId(),
            cut,
            start,
            ran,
            choice != null || (uShaped && frame.sample()),
            choice == null ? -1 : choice.token(),
            nanos / 1e6,
            joules);
    return new StepOutcome(reply.build(), step);
  }

  /**
   * A U-shaped session's window: layers [cut, returnCut) over the rows one position at a time, as
   * that many decode frames would run them (same kernels, so greedy text equals one token per round
   * trip), and every row's output back to the edge, which verifies.
   */
  private HiddenTensor middleWindow(CloudSession session, ValidFrame frame, DType dtype) {
    int dim = compute.info().dim();
    float[] rows = new float[frame.seqLen() * dim];
    for (int row = 0; row < frame.seqLen(); row++) {
      float[] out =
          compute.forward(
              session.state(), Arrays.copyOfRange(frame.hidden(), row * dim, (row + 1) * dim), 1);
      System.arraycopy(out, 0, rows, row * dim, dim);
    }
    return HiddenCodec.encode(FloatBuffer.wrap(rows), frame.seqLen(), dim, dtype);
  }

  private synchronized void afterStep(
      CloudSession session, ValidFrame frame, StepOutcome outcome, Throwable error) {
    stepRunning = false;
    session.endStep(nanoTime.getAsLong());
    if (finished) {
      return;
    }
    if (error != null) {
      fail(error);
      return;
    }
    if (frame.close()) {
      sessions.remove(frame.sessionId());
      returnCuts.remove(frame.sessionId());
      session.close("closed by the edge");
    }
    send(outcome.reply());
    // The energy log line and the metrics come after the reply, off the edge's round trip.
    try {
      listener.onStep(outcome.step());
    } catch (RuntimeException e) {
      LOG.warn("step listener failed for session {}: {}", frame.sessionId(), e.toString());
    }
    if (halfClosed) {
      finish("stream completed");
      out.onCompleted();
    } else {
      out.request(1);
    }
  }

  private void send(SessionReply reply) {
    out.onNext(reply);
  }

  private void fail(Throwable error) {
    if (finished) {
      return;
    }
    finish("stream failed");
    out.onError(StatusMapper.toStatus(error).asRuntimeException());
  }

  private synchronized void finish(String reason) {
    if (finished) {
      return;
    }
    finished = true;
    for (CloudSession s : sessions.values()) {
      s.close(reason);
    }
    sessions.clear();
  }
}
