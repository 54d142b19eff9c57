package dev.edgesplit.edge.generate;

import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.edge.link.CloudSessions;
import dev.edgesplit.edge.link.GenerationSettings;
import dev.edgesplit.edge.link.ResilientSession;
import dev.edgesplit.edge.link.SentHiddenLog;
import dev.edgesplit.edge.speculate.Draft;
import dev.edgesplit.edge.speculate.Drafter;
import dev.edgesplit.edge.speculate.Speculation;
import dev.edgesplit.edge.speculate.TokenHistory;
import dev.edgesplit.edge.speculate.WindowSizer;
import dev.edgesplit.engine.sampling.DraftDistribution;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.EnergySource;
import dev.edgesplit.proto.v1.FinishReason;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import dev.edgesplit.proto.v1.TokenEvent;
import dev.edgesplit.server.energy.EnergyReading;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One Generate call: runs the edge segment, exchanges h_cut and tokens with the cloud worker,
 * streams token events and a summary. Checks cancellation and the deadline of the client's call
 * before every step. Runs on one thread; {@link #run()} throws on failure and the caller maps the
 * exception to a status.
 */
public final class Generation {

  private final ValidRequest request;
  private final SegmentChain edge;
  private final Tokenizer tokenizer;
  private final CloudSessions cloud;
  private final GenerationSettings settings;
  private final StepHooks hooks;
  private final ServerCallStreamObserver<GenerateResponse> out;
  private final OutputGate gate;
  private final long arrivalNanos;
  private final SentHiddenLog sent = new SentHiddenLog();
  private final String sessionId = UUID.randomUUID().toString();
  private final Speculation speculation;
  private final DraftSource draftSource;
  private final WindowSizer sizer = new WindowSizer();
  private int roundTrips;
  private long draftNanos;
  private long bytesSent;

  /** The board's tail of a U-shaped split for this generation; null for the plain split. */
  private EdgeTail tail;

  private long bytesReceived;
  private StepEnergy.Span openSpan;
  private int steps;
  private int stepPositions;
  private long stepEdgeNanos;
  private long stepRoundTripNanos;
  private long stepCloudMicros;
  private long stepBytes;
  private double stepCloudJoules;
  private int decodeSteps;
  private double decodeEdgeMs;
  private double decodeCloudMs;
  private double decodeLinkMs;
  private double edgeJoules;
  private double cloudJoules;
  private EnergySource edgeSource = EnergySource.newBuilder().setKind("none").build();
  private EnergySource cloudSource = EnergySource.newBuilder().setKind("none").build();

  /**
   * @param cloud where the cloud's layers of the route's cut run (a worker pool, with recovery and
   *     fallback)
   */
  public Generation(
      ValidRequest request,
      SegmentChain edge,
      Tokenizer tokenizer,
      CloudSessions cloud,
      GenerationSettings settings,
      StepHooks hooks,
      ServerCallStreamObserver<GenerateResponse> out,
      OutputGate gate,
      long arrivalNanos) {
    this(
        request,
        edge,
        tokenizer,
        cloud,
        settings,
        hooks,
        out,
        gate,
        arrivalNanos,
        Speculation.none(),
        DraftSource.DRAFT_SOURCE_NONE);
  }

  /**
   * @param speculation the agent's drafting chains and limits
   * @param draftSource where this generation's drafts come from ({@link Speculation#choose}); NONE:
   *     one token per round trip
   */
  public Generation(
      ValidRequest request,
      SegmentChain edge,
      Tokenizer tokenizer,
      CloudSessions cloud,
      GenerationSettings settings,
      StepHooks hooks,
      ServerCallStreamObserver<GenerateResponse> out,
      OutputGate gate,
      long arrivalNanos,
      Speculation speculation,
      DraftSource draftSource) {
    this.speculation = speculation;
    this.draftSource = draftSource;
    this.request = request;
    this.edge = edge;
    this.tokenizer = tokenizer;
    this.cloud = cloud;
    this.settings = settings;
    this.hooks = hooks;
    this.out = out;
    this.gate = gate;
    this.arrivalNanos = arrivalNanos;
  }

  /** The hidden states sent so far (for replay on another worker). */
  public SentHiddenLog sentHidden() {
    return sent;
  }

  public void run() throws InterruptedException {
    try (EdgeTail u =
        cloud.tail() == null ? null : new EdgeTail(cloud.tail(), request.sampling())) {
      tail = u;
      generate();
    } finally {
      if (openSpan != null) {
        openSpan.abandon();
      }
    }
  }

  private void generate() throws InterruptedException {
    Context context = Context.current();
    int[] prompt = request.prompt();
    Tokenizer.StreamDecoder decoder = tokenizer.newDecoder(prompt[prompt.length - 1]);
    StringBuilder text = new StringBuilder();
    long firstTokenNanos = 0;
    int generated = 0;
    FinishReason finish;
    boolean local;
    String fallbackReason;
    int recoveries;
    try (ChainState state = edge.newState()) {
      long kvBytes = state.kvBytes();
      hooks.listener().sessionOpened(sessionId, kvBytes);
      try (ResilientSession call = cloud.open(sessionId, request.sampling(), sent);
          Drafter drafter = speculation.open(drafts(), edge, state, engineSampling())) {
        TokenHistory history = new TokenHistory(prompt);
        checkAlive(context);
        beginStep(prompt.length);
        SessionReply reply = prefill(call, state, prompt, context);
        roundTrips++;
        emitting:
        while (true) {
          int[] tokens = tokensOf(reply);
          endStep(true, generated, tokens[0]);
          for (int i = 0; i < tokens.length; i++) {
            int token = tokens[i];
            if (token == tokenizer.eos()
                || token == tokenizer.bos()
                || request.stopTokens().contains(token)) {
              finish = FinishReason.FINISH_REASON_EOS;
              break emitting;
            }
            history.add(token);
            String piece = decoder.next(token);
            int before = text.length();
            text.append(piece);
            checkAlive(context);
            gate.awaitReady(context);
            checkAlive(context);
            TokenEvent.Builder event =
                TokenEvent.newBuilder().setTokenId(token).setText(piece).setIndex(generated);
            if (reply.getWindowLogprobsCount() > i) {
              event.setLogprob(reply.getWindowLogprobs(i));
            } else if (reply.hasLogprob() && tokens.length == 1) {
              event.setLogprob(reply.getLogprob());
            } else if (tail != null && tail.hasLogprob()) {
              event.setLogprob(tail.logprob());
            }
            out.onNext(GenerateResponse.newBuilder().setToken(event).build());
            if (generated++ == 0) {
              firstTokenNanos = System.nanoTime();
            }
            if (hitStop(text, before)) {
              finish = FinishReason.FINISH_REASON_STOP_STRING;
              break emitting;
            }
            if (generated >= request.maxNewTokens()) {
              finish = FinishReason.FINISH_REASON_MAX_TOKENS;
              break emitting;
            }
          }
          if (state.position() >= call.worker().getMaxContext()
              || state.position() >= edge.maxContext()) {
            finish = FinishReason.FINISH_REASON_CONTEXT_FULL;
            break;
          }
          checkAlive(context);
          beginStep(1);
          int token = tokens[tokens.length - 1];
          reply =
              drafter == null
                  ? decodeStep(call, state, token)
                  : windowStep(call, state, drafter, history, generated);
          roundTrips++;
        }
        call.complete();
        local = call.local();
        fallbackReason = call.fallbackReason();
        recoveries = call.recoveries();
      } finally {
        hooks.listener().sessionClosed(sessionId, kvBytes);
      }
    }
    long end = System.nanoTime();
    int perToken = Math.max(1, generated);
    GenerationSummary.Builder summary =
        GenerationSummary.newBuilder()
            .setFinishReason(finish)
            .setPromptTokens(prompt.length)
            .setGeneratedTokens(generated)
            .setTokensPerSecond(generated / Math.max(1e-9, (end - arrivalNanos) / 1e9))
            .setTimeToFirstTokenMs(generated == 0 ? 0 : (firstTokenNanos - arrivalNanos) / 1e6)
            .setEdgeJoulesPerToken(edgeJoules / perToken)
            .setEdgeEnergySource(edgeSource)
            .setCloudJoulesPerToken(cloudJoules / perToken)
            .setCloudEnergySource(cloudSource)
            .setCut(cloud.cut())
            .setBytesSentPerToken((double) bytesSent / perToken)
            .setEdgeMsPerToken(decodeEdgeMs / Math.max(1, decodeSteps))
            .setCloudMsPerToken(decodeCloudMs / Math.max(1, decodeSteps))
            .setLinkMsPerToken(decodeLinkMs / Math.max(1, decodeSteps))
            .setFinishedLocally(local)
            .setFallbackReason(fallbackReason)
            .setCloudRecoveries(recoveries)
            .setDraftSource(drafts())
            .setRoundTrips(roundTrips)
            .setTokensPerRoundTrip((double) generated / Math.max(1, roundTrips))
            .setAcceptanceRate(sizer.acceptanceRate())
            .setDraftedTokens((int) sizer.drafted())
            .setAcceptedDraftTokens((int) sizer.accepted())
            .setDraftMsPerToken(draftNanos / 1e6 / perToken);
    if (tail != null) {
      summary
          .setReturnCut(tail.returnCut())
          .setBytesReceivedPerToken((double) bytesReceived / perToken);
    }
    hooks.listener().onSummary(sessionId, summary.build());
    out.onNext(GenerateResponse.newBuilder().setSummary(summary).build());
    out.onCompleted();
  }

  /** Starts a step's energy span and its counters. */
  private void beginStep(int positions) {
    openSpan = hooks.energy().begin(sessionId, steps++);
    stepPositions = positions;
    stepEdgeNanos = 0;
    stepRoundTripNanos = 0;
    stepCloudMicros = 0;
    stepBytes = 0;
    stepCloudJoules = 0;
  }

  /** Ends the running step, adds its joules to the totals and tells the listener. */
  private void endStep(boolean yieldedToken, int tokenIndex, int tokenId) {
    EnergyReading e = openSpan.end();
    openSpan = null;
    edgeJoules += e.joules();
    edgeSource =
        EnergySource.newBuilder()
            .setKind(e.kind())
            .setMeasured(e.measured())
            .setDescription(e.description())
            .build();
    cloudJoules += stepCloudJoules;
    bytesSent += stepBytes;
    if (steps > 1) {
      decodeSteps++;
      decodeEdgeMs += stepEdgeNanos / 1e6;
      decodeCloudMs += stepCloudMicros / 1e3;
      decodeLinkMs += Math.max(0, stepRoundTripNanos / 1e6 - stepCloudMicros / 1e3);
    }
    hooks
        .listener()
        .onStep(
            new StepRecord(
                sessionId,
                cloud.cut(),
                steps == 1,
                yieldedToken ? tokenIndex : -1,
                tokenId,
                stepPositions,
                stepEdgeNanos / 1e6,
                stepRoundTripNanos / 1e6,
                stepCloudMicros / 1e3,
                stepBytes,
                e,
                stepCloudJoules,
                cloudSource));
  }

  /** Prompt positions through the edge layers, timed into the step. */
  private float[] edgeForward(ChainState state, int[] tokens) {
    return timedEdge(() -> edge.forwardTokens(state, tokens));
  }

  /**
   * One token through the edge layers, timed into the step: a view of the chain's buffer, no copy.
   */
  private FloatBuffer edgeDecode(ChainState state, int token) {
    return timedEdge(() -> edge.decodeToken(state, token));
  }

  private <T> T timedEdge(Supplier<T> step) {
    long t0 = System.nanoTime();
    T hidden = step.get();
    long took = System.nanoTime() - t0;
    stepEdgeNanos += took + hooks.slowdown().after(took);
    return hidden;
  }

  /**
   * Runs the prompt through the edge layers in chunks of {@code prefillChunk} positions and sends
   * each chunk as soon as it is computed, so that the worker computes chunk i while the board
   * computes chunk i + 1. Only the last frame samples: its reply holds the first token.
   */
  private SessionReply prefill(
      ResilientSession call, ChainState state, int[] prompt, Context context) {
    int chunk =
        Math.max(1, Math.min(settings.prefillChunk(), call.worker().getMaxFramePositions()));
    List<HiddenTensor> inFlight = new ArrayList<>();
    int position = sent.positions();
    for (int row = 0; row < prompt.length; row += chunk) {
      checkAlive(context);
      int rows = Math.min(chunk, prompt.length - row);
      float[] hidden = edgeForward(state, Arrays.copyOfRange(prompt, row, row + rows));
      HiddenTensor tensor = encode(FloatBuffer.wrap(hidden), rows);
      call.send(
          frame(tensor, position, FramePhase.FRAME_PHASE_PREFILL, row + rows == prompt.length));
      position += rows;
      inFlight.add(tensor);
    }
    // The step's round trip counts only the time spent waiting for replies, not the chunks computed
    // meanwhile.
    SessionReply reply = null;
    for (int i = 0; i < inFlight.size(); i++) {
      long waitStart = System.nanoTime();
      reply = received(call.awaitReply(), inFlight.get(i), i == inFlight.size() - 1, waitStart);
    }
    return reply;
  }

  /** {@code rows} positions of hidden states in the wire's element type. */
  private HiddenTensor encode(FloatBuffer hidden, int rows) {
    return HiddenCodec.encode(hidden, rows, edge.config().dim(), settings.hiddenDtype());
  }

  private SessionFrame frame(
      HiddenTensor tensor, int startPosition, FramePhase phase, boolean last) {
    SessionFrame.Builder frame =
        SessionFrame.newBuilder()
            .setSessionId(sessionId)
            .setCut(cloud.cut())
            .setStartPosition(startPosition)
            .setHidden(tensor)
            .setPhase(phase)
            .setLast(last);
    // A U-shaped session keeps its sampling (and its seed) on the board: the worker gets hidden
    // states only.
    return tail == null
        ? frame.setSampling(request.sampling()).build()
        : frame.setReturnCut(tail.returnCut()).build();
  }

  /**
   * Accounts the reply to {@code tensor}'s frame (waited for since {@code waitStart}), logs the
   * tensor as sent and checks that the reply answers it.
   */
  private SessionReply received(
      SessionReply reply, HiddenTensor tensor, boolean last, long waitStart) {
    stepRoundTripNanos += System.nanoTime() - waitStart;
    stepCloudMicros += reply.getComputeTimeUs();
    stepBytes += tensor.getData().size();
    stepCloudJoules += reply.getCloudJoules();
    if (reply.hasCloudEnergySource()) {
      cloudSource = reply.getCloudEnergySource();
    }
    sent.add(tensor);
    boolean uShaped = tail != null;
    if (reply.getPosition() != sent.positions()
        || reply.getHasToken() != (last && !uShaped)
        || reply.hasHidden() != uShaped) {
      throw new CloudLinkException(
          "session step",
          Status.INTERNAL.withDescription(
              "reply at position "
                  + reply.getPosition()
                  + " (token: "
                  + reply.getHasToken()
                  + ", hidden: "
                  + reply.hasHidden()
                  + ") does not answer the frame ending at "
                  + sent.positions()));
    }
    if (uShaped) {
      bytesReceived += reply.getHidden().getData().size();
      int rows = tensor.getShape(0);
      timedEdge(
          () -> {
            tail.accept(reply.getHidden(), rows, last);
            return null;
          });
    }
    return reply;
  }

  /**
   * The tokens a reply carries: a window's accepted drafts and the worker's own token, else its one
   * token.
   */
  private int[] tokensOf(SessionReply reply) {
    if (tail != null) {
      return new int[] {tail.token()};
    }
    if (reply.getWindowTokensCount() == 0) {
      return new int[] {tokenOf(reply.getTokenId())};
    }
    int[] tokens = new int[reply.getWindowTokensCount()];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = tokenOf(reply.getWindowTokens(i));
    }
    return tokens;
  }

  /**
   * Where this generation's drafts come from: none in a U-shaped split, where the worker holds no
   * head to verify.
   */
  private DraftSource drafts() {
    return tail != null ? DraftSource.DRAFT_SOURCE_NONE : draftSource;
  }

  private int tokenOf(int id) {
    long token = Integer.toUnsignedLong(id);
    if (token >= tokenizer.vocabSize()) {
      throw new CloudLinkException(
          "session step",
          Status.INTERNAL.withDescription(
              "sampled token " + token + " outside the vocabulary of " + tokenizer.vocabSize()));
    }
    return (int) token;
  }

  /** One token per round trip: the last token through the edge layers, its h_cut to the worker. */
  private SessionReply decodeStep(ResilientSession call, ChainState state, int token) {
    HiddenTensor tensor = encode(edgeDecode(state, token), 1);
    long t0 = System.nanoTime();
    SessionReply reply =
        received(
            call.exchange(frame(tensor, sent.positions(), FramePhase.FRAME_PHASE_DECODE, true)),
            tensor,
            true,
            t0);
    sizer.observeRoundTrip(stepRoundTripNanos / 1e6 - stepCloudMicros / 1e3);
    return reply;
  }

  /**
   * Several tokens per round trip: drafts n tokens after the last one, runs the edge layers over
   * the last token and the drafts (unless drafting computed them), sends the n + 1 rows in one
   * window frame and keeps what the worker accepted: the sent log and the edge's KV cache drop the
   * rejected rows, so the next step (and a replay on another worker) starts right after the
   * accepted ones.
   */
  private SessionReply windowStep(
      ResilientSession call,
      ChainState state,
      Drafter drafter,
      TokenHistory history,
      int generated) {
    int token = history.get(history.size() - 1);
    int start = sent.positions();
    int cap = Math.min(speculation.maxWindow(), call.worker().getMaxWindowDrafts());
    cap = Math.min(cap, request.maxNewTokens() - generated - 1);
    cap = Math.min(cap, Math.min(call.worker().getMaxContext(), edge.maxContext()) - start - 1);
    if (cap < 1) {
      return decodeStep(call, state, token);
    }
    int want = sizer.next(cap);
    long d0 = System.nanoTime();
    Draft draft = timedEdge(() -> drafter.propose(history, want));
    long drafting = System.nanoTime() - d0;
    draftNanos += drafting;
    int n = draft.size();
    if (n == 0) {
      return decodeStep(call, state, token);
    }
    long e0 = System.nanoTime();
    float[] rows = draft.hidden();
    if (rows == null) {
      int[] window = new int[n + 1];
      window[0] = token;
      System.arraycopy(draft.tokens(), 0, window, 1, n);
      rows = timedEdge(() -> decodeRows(state, window));
    }
    long edgeNanos = System.nanoTime() - e0;
    HiddenTensor tensor = encode(FloatBuffer.wrap(rows), n + 1);
    SessionFrame.Builder frame =
        frame(tensor, start, FramePhase.FRAME_PHASE_WINDOW, true).toBuilder();
    for (int d : draft.tokens()) {
      frame.addDraftTokens(d);
    }
    if (draft.q() != null) {
      for (DraftDistribution q : draft.q()) {
        dev.edgesplit.proto.v1.DraftDistribution.Builder b =
            dev.edgesplit.proto.v1.DraftDistribution.newBuilder();
        for (int i = 0; i < q.tokens().length; i++) {
          b.addTokenIds(q.tokens()[i]).addProbs(q.probs()[i]);
        }
        frame.addDraftDistributions(b);
      }
    }
    long t0 = System.nanoTime();
    SessionReply reply = call.exchange(frame.build());
    stepRoundTripNanos += System.nanoTime() - t0;
    stepCloudMicros += reply.getComputeTimeUs();
    stepCloudJoules += reply.getCloudJoules();
    if (reply.hasCloudEnergySource()) {
      cloudSource = reply.getCloudEnergySource();
    }
    int m = reply.getWindowTokensCount();
    boolean agrees =
        m >= 1 && m <= n + 1 && reply.getHasToken() && reply.getPosition() == start + m;
    for (int i = 0; agrees && i < m - 1; i++) {
      agrees = reply.getWindowTokens(i) == draft.tokens()[i];
    }
    if (!agrees) {
      throw new CloudLinkException(
          "session step",
          Status.INTERNAL.withDescription(
              "window reply ("
                  + m
                  + " tokens, position "
                  + reply.getPosition()
                  + ") does not answer a window of "
                  + n
                  + " drafts at "
                  + start));
    }
    stepBytes += tensor.getData().size();
    sent.add(tensor, m);
    state.rewind(start + m);
    stepPositions = m;
    sizer.observeRoundTrip(stepRoundTripNanos / 1e6 - stepCloudMicros / 1e3);
    sizer.observeWindow(n, m - 1, edgeNanos / 1e6 + stepCloudMicros / 1e3, drafting / 1e6);
    return reply;
  }

  /**
   * {@code tokens} through the edge layers one position at a time, rows {@code [n, dim]}. Decode
   * steps, not one prefill-shaped run: a run over several positions rounds differently (other
   * kernels, other summation order), and on near-ties (measured on synthetic SmolLM2-135M int4)
   * that flips greedy tokens; decode steps give the worker exactly the h_cut one token per round
   * trip would, so greedy text stays identical.
   */
  private float[] decodeRows(ChainState state, int[] tokens) {
    int dim = edge.config().dim();
    float[] rows = new float[tokens.length * dim];
    for (int i = 0; i < tokens.length; i++) {
      edge.decodeToken(state, tokens[i]).get(rows, i * dim, dim);
    }
    return rows;
  }

  private dev.edgesplit.engine.sampling.SamplingParams engineSampling() {
    dev.edgesplit.proto.v1.SamplingParams p = request.sampling();
    return new dev.edgesplit.engine.sampling.SamplingParams(
        p.getTemperature(), p.getTopK(), p.getTopP() == 0f ? 1f : p.getTopP(), p.getSeed());
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
      Status status =
          context.getDeadline() != null && context.getDeadline().isExpired()
              ? Status.DEADLINE_EXCEEDED.withDescription(
                  "client deadline expired during generation")
              : Status.CANCELLED.withDescription("client cancelled the generation");
      throw status.withCause(cause).asRuntimeException();
    }
  }
}
