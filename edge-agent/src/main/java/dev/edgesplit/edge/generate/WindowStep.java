package dev.edgesplit.edge.generate;

import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.edge.link.ReplyCheck;
import dev.edgesplit.edge.speculate.Draft;
import dev.edgesplit.edge.speculate.Drafter;
import dev.edgesplit.edge.speculate.TokenHistory;
import dev.edgesplit.edge.speculate.WindowSizer;
import dev.edgesplit.engine.sampling.DraftDistribution;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.Status;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Several tokens per round trip: drafts n tokens after the last one, runs the edge layers over the
 * last token and the drafts (unless drafting computed them), sends the n + 1 rows in one window
 * frame and keeps what the worker accepted: the sent log and the edge's KV cache drop the rejected
 * rows, so the next step (and a replay on another worker) starts right after the accepted ones.
 * Falls back to one decode step when no draft fits. In a U-shaped split the worker runs its middle
 * layers over the rows and sends them back, and the board's tail verifies ({@link
 * EdgeTail#verify}); the worker drops the rejected rows when the next window rewinds it. Used by
 * the generation's thread only.
 */
final class WindowStep {

  private final CloudSteps steps;
  private final Drafter drafter;
  private final int maxWindow;
  private final int maxNewTokens;
  private final WindowSizer sizer;
  private final GenerationTally tally;

  /**
   * Drafts for the next window made while the last one was in flight (first: the guessed token).
   */
  private Draft ahead;

  /** History size when {@link #ahead} was drafted, and the tokens it assumed would follow. */
  private int aheadBase;

  private int[] aheadAssumed;

  /** True while the worker holds rows of a U-shaped window the board rejected. */
  private boolean rewindPending;

  WindowStep(
      CloudSteps steps,
      Drafter drafter,
      int maxWindow,
      int maxNewTokens,
      WindowSizer sizer,
      GenerationTally tally) {
    this.steps = steps;
    this.drafter = drafter;
    this.maxWindow = maxWindow;
    this.maxNewTokens = maxNewTokens;
    this.sizer = sizer;
    this.tally = tally;
  }

  /**
   * @param history every token so far; its last one has not been run through the edge layers
   * @param generated tokens generated so far
   */
  StepTokens run(TokenHistory history, int generated) {
    int token = history.get(history.size() - 1);
    int cap = Math.min(maxWindow, steps.call().worker().getMaxWindowDrafts());
    cap = Math.min(cap, maxNewTokens - generated - 1);
    cap = Math.min(cap, steps.contextLeft() - 1);
    Draft draft = Draft.EMPTY;
    long drafting = 0;
    int want = cap >= 1 ? sizer.next(cap) : 0;
    Draft early = takeAhead(history, cap);
    if (early != null) {
      draft = early;
      tally.windowDraftedAhead();
    } else if (cap >= 1) {
      long d0 = System.nanoTime();
      draft = steps.timedEdge(() -> drafter.propose(history, want));
      drafting = System.nanoTime() - d0;
      tally.drafted(drafting);
    }
    int n = draft.size();
    // A worker still holding rejected rows of a U-shaped window is rewound by the next window.
    if (n == 0 && !rewindPending) {
      return decode(token);
    }
    long e0 = System.nanoTime();
    float[] rows = draft.hidden();
    if (rows == null) {
      int[] window = new int[n + 1];
      window[0] = token;
      System.arraycopy(draft.tokens(), 0, window, 1, n);
      rows = steps.timedEdge(() -> steps.decodeRows(window));
    }
    long edgeNanos = System.nanoTime() - e0;
    int start = steps.sent().positions();
    HiddenTensor tensor = steps.encode(FloatBuffer.wrap(rows), n + 1);
    steps.call().send(windowFrame(tensor, start, draft));
    // Hidden in the wait for the reply: not a cost of this window's critical path.
    draftAhead(history, draft, want);
    long t0 = System.nanoTime();
    SessionReply reply = steps.call().awaitReply();
    tally.exchanged(reply, System.nanoTime() - t0, tensor.getData().size());
    StepTokens kept;
    if (steps.tail() == null) {
      kept = verified(reply, draft, start);
    } else {
      long v0 = System.nanoTime();
      kept = verifiedOnBoard(reply, draft, start);
      edgeNanos += System.nanoTime() - v0;
    }
    int m = kept.size();
    steps.sent().add(tensor, m);
    steps.state().rewind(start + m);
    rewindPending = reply.getPosition() > start + m;
    tally.keptPositions(m);
    sizer.observeRoundTrip(tally.stepLinkMillis());
    if (n > 0) {
      sizer.observeWindow(n, m - 1, edgeNanos / 1e6 + tally.stepCloudMillis(), drafting / 1e6);
    }
    return kept;
  }

  /**
   * While {@code draft}'s window is in flight: drafts the window after it, assuming every draft is
   * accepted, its first token being the guess of the token the verification adds. Only for drafters
   * that leave the edge layers alone (their rows are computed afterwards) and when {@link
   * WindowSizer#draftAheadPays} says the guess is likely to hold; drafts only, so a wrong guess
   * costs board time and never changes a token.
   */
  private void draftAhead(TokenHistory history, Draft draft, int want) {
    ahead = null;
    int n = draft.size();
    if (n == 0 || want < 1 || draft.hidden() != null || !sizer.draftAheadPays(n)) {
      return;
    }
    TokenHistory assumed = history.followedBy(draft.tokens());
    long d0 = System.nanoTime();
    Draft next = steps.timedEdge(() -> drafter.propose(assumed, want + 1));
    long took = System.nanoTime() - d0;
    tally.drafted(took);
    if (next.size() >= 2 && next.hidden() == null) {
      ahead = next;
      aheadBase = history.size();
      aheadAssumed = Arrays.copyOf(draft.tokens(), n + 1);
      aheadAssumed[n] = next.tokens()[0];
    }
  }

  /**
   * The drafts made ahead, when the history went as they assumed (at most {@code cap} of them);
   * else null.
   */
  private Draft takeAhead(TokenHistory history, int cap) {
    Draft a = ahead;
    ahead = null;
    if (a == null || cap < 1 || history.size() != aheadBase + aheadAssumed.length) {
      return null;
    }
    for (int i = 0; i < aheadAssumed.length; i++) {
      if (history.get(aheadBase + i) != aheadAssumed[i]) {
        return null;
      }
    }
    int k = Math.min(cap, a.size() - 1);
    return new Draft(
        Arrays.copyOfRange(a.tokens(), 1, 1 + k),
        a.q() == null ? null : Arrays.copyOfRange(a.q(), 1, 1 + k),
        null);
  }

  private StepTokens decode(int token) {
    StepTokens next = steps.decode(token);
    sizer.observeRoundTrip(tally.stepLinkMillis());
    return next;
  }

  /**
   * The window frame: the rows, and for a plain session the drafts. A U-shaped session's worker
   * never holds a token id, so its window carries the rows only and the board verifies.
   */
  private SessionFrame windowFrame(HiddenTensor tensor, int start, Draft draft) {
    SessionFrame.Builder frame =
        steps.frame(tensor, start, FramePhase.FRAME_PHASE_WINDOW, true).toBuilder();
    if (steps.tail() != null) {
      return frame.build();
    }
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
    return frame.build();
  }

  /**
   * A U-shaped window's verdict, given on the board: the reply must carry h_returnCut of every row
   * ({@link ReplyCheck}), which the tail runs and judges. The worker holds all n + 1 rows until the
   * next window rewinds it.
   */
  private StepTokens verifiedOnBoard(SessionReply reply, Draft draft, int start) {
    ReplyCheck.requireAnswer("session step", reply, start + draft.size() + 1, false, true);
    return steps.timedEdge(() -> steps.tail().verify(reply.getHidden(), draft.tokens()));
  }

  /**
   * The worker's verdict on a window of drafts sent at {@code start}: the accepted drafts and its
   * own token, checked to be a prefix of the drafts plus one token ending where the reply says.
   */
  private StepTokens verified(SessionReply reply, Draft draft, int start) {
    int n = draft.size();
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
    int[] tokens = new int[m];
    for (int i = 0; i < m; i++) {
      tokens[i] = steps.tokenOf(reply.getWindowTokens(i));
    }
    float[] logprobs = null;
    if (reply.getWindowLogprobsCount() == m) {
      logprobs = new float[m];
      for (int i = 0; i < m; i++) {
        logprobs[i] = reply.getWindowLogprobs(i);
      }
    }
    return new StepTokens(tokens, logprobs);
  }
}
