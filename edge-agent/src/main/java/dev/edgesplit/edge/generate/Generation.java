package dev.edgesplit.edge.generate;

import dev.edgesplit.edge.link.ResilientSession;
import dev.edgesplit.edge.link.SentHiddenLog;
import dev.edgesplit.edge.speculate.Drafter;
import dev.edgesplit.edge.speculate.TokenHistory;
import dev.edgesplit.edge.speculate.WindowSizer;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.FinishReason;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.UUID;

/**
 * One Generate call: runs the edge segment, exchanges h_cut and tokens with the cloud worker,
 * streams token events and a summary. Checks cancellation and the deadline of the client's call
 * before every step. Runs on one thread; {@link #run()} throws on failure and the caller maps the
 * exception to a status.
 */
public final class Generation {

  private final GenerationJob job;
  private final ServerCallStreamObserver<GenerateResponse> out;
  private final OutputGate gate;
  private final long arrivalNanos;
  private final SentHiddenLog sent = new SentHiddenLog();
  private final String sessionId = UUID.randomUUID().toString();
  private final WindowSizer sizer = new WindowSizer();
  private final GenerationTally tally;

  /**
   * @param out the client's stream: token events, then the summary
   * @param gate the client's flow control
   * @param arrivalNanos when the request arrived ({@link System#nanoTime})
   */
  public Generation(
      GenerationJob job,
      ServerCallStreamObserver<GenerateResponse> out,
      OutputGate gate,
      long arrivalNanos) {
    this.job = job;
    this.out = out;
    this.gate = gate;
    this.arrivalNanos = arrivalNanos;
    this.tally = new GenerationTally(sessionId, job.cloud().cut());
  }

  /** The hidden states sent so far (for replay on another worker). */
  public SentHiddenLog sentHidden() {
    return sent;
  }

  /**
   * Runs the generation to its end and streams it.
   *
   * @throws RuntimeException a gRPC status or an edge exception, for the caller to map
   */
  public void run() throws InterruptedException {
    try (EdgeTail tail =
        job.cloud().tail() == null
            ? null
            : new EdgeTail(job.cloud().tail(), job.request().sampling())) {
      generate(tail);
    } finally {
      tally.abandonOpenStep();
    }
  }

  private void generate(EdgeTail tail) throws InterruptedException {
    Context context = Context.current();
    int[] prompt = job.request().prompt();
    DraftSource drafts = job.draftSource();
    TokenOutput tokens = new TokenOutput(job.request(), job.tokenizer(), out, gate);
    FinishReason finish;
    ResilientSession ended;
    try (ChainState state = job.edge().newState()) {
      long kvBytes = state.kvBytes();
      job.hooks().listener().sessionOpened(sessionId, kvBytes);
      try (ResilientSession call = job.cloud().open(sessionId, job.request().sampling(), sent);
          Drafter drafter = job.speculation().open(drafts, job.edge(), state, engineSampling())) {
        CloudSteps steps = new CloudSteps(sessionId, job, state, call, sent, tail, tally);
        WindowStep window =
            drafter == null
                ? null
                : new WindowStep(
                    steps,
                    drafter,
                    job.speculation().maxWindow(),
                    job.request().maxNewTokens(),
                    sizer,
                    tally);
        TokenHistory history = new TokenHistory(prompt);
        checkAlive(context);
        tally.beginStep(job.hooks().energy(), prompt.length);
        StepTokens next = steps.prefill(prompt, context);
        while (true) {
          tally.roundTrip();
          job.hooks().listener().onStep(tally.endStep(tokens.generated(), next.tokens()[0]));
          finish = tokens.emit(next, context);
          if (finish != null) {
            break;
          }
          for (int token : next.tokens()) {
            history.add(token);
          }
          if (state.position() >= call.worker().getMaxContext()
              || state.position() >= job.edge().maxContext()) {
            finish = FinishReason.FINISH_REASON_CONTEXT_FULL;
            break;
          }
          checkAlive(context);
          tally.beginStep(job.hooks().energy(), 1);
          next =
              window == null ? decode(steps, next.last()) : window.run(history, tokens.generated());
        }
        call.complete();
        ended = call;
      } finally {
        job.hooks().listener().sessionClosed(sessionId, kvBytes);
      }
    }
    summarize(finish, tokens, ended, drafts, tail);
  }

  private StepTokens decode(CloudSteps steps, int token) {
    StepTokens next = steps.decode(token);
    sizer.observeRoundTrip(tally.stepLinkMillis());
    return next;
  }

  private void summarize(
      FinishReason finish,
      TokenOutput tokens,
      ResilientSession call,
      DraftSource drafts,
      EdgeTail tail) {
    long end = System.nanoTime();
    int generated = tokens.generated();
    GenerationSummary.Builder summary =
        GenerationSummary.newBuilder()
            .setFinishReason(finish)
            .setPromptTokens(job.request().prompt().length)
            .setGeneratedTokens(generated)
            .setTokensPerSecond(generated / Math.max(1e-9, (end - arrivalNanos) / 1e9))
            .setTimeToFirstTokenMs(
                generated == 0 ? 0 : (tokens.firstTokenNanos() - arrivalNanos) / 1e6)
            .setCut(job.cloud().cut())
            .setFinishedLocally(call.local())
            .setFallbackReason(call.fallbackReason())
            .setCloudRecoveries(call.recoveries())
            .setDraftSource(drafts)
            .setAcceptanceRate(sizer.acceptanceRate())
            .setDraftedTokens((int) sizer.drafted())
            .setAcceptedDraftTokens((int) sizer.accepted());
    tally.fill(summary, generated, tail != null);
    if (tail != null) {
      summary.setReturnCut(tail.returnCut());
    }
    job.hooks().listener().onSummary(sessionId, summary.build());
    out.onNext(GenerateResponse.newBuilder().setSummary(summary).build());
    out.onCompleted();
  }

  private dev.edgesplit.engine.sampling.SamplingParams engineSampling() {
    dev.edgesplit.proto.v1.SamplingParams p = job.request().sampling();
    return new dev.edgesplit.engine.sampling.SamplingParams(
        p.getTemperature(), p.getTopK(), p.getTopP() == 0f ? 1f : p.getTopP(), p.getSeed());
  }

  /** Fails with CANCELLED or DEADLINE_EXCEEDED when the client's call has ended. */
  static void checkAlive(Context context) {
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
