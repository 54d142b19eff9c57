package dev.edgesplit.cloud.speculate;

import dev.edgesplit.cloud.error.InvalidFrameException;
import dev.edgesplit.engine.sampling.DraftDistribution;
import dev.edgesplit.proto.v1.SessionFrame;

/**
 * The checks of a {@code FRAME_PHASE_WINDOW} frame beyond those of every frame (tensor, positions,
 * context): one to {@code maxDrafts} draft tokens, one per row after the first, inside the
 * vocabulary, flagged {@code last}, and either no draft distributions or one valid distribution per
 * draft that contains its draft. Stateless.
 */
public final class WindowFrames {

  /** Most draft tokens one window may carry on this worker (the frame-size limit may lower it). */
  public static final int MAX_WINDOW_DRAFTS = WindowVerifier.MAX_WINDOW_DRAFTS;

  private WindowFrames() {}

  /**
   * A window's validated drafts; {@code distributions} null when they were chosen
   * deterministically.
   */
  public record Drafts(int[] tokens, DraftDistribution[] distributions) {}

  /**
   * The checks of a U-shaped session's window (the frame names a {@code return_cut}): the hidden
   * rows of the last token and 0 to {@code maxDrafts} drafts, flagged {@code last}, and nothing
   * else. The edge keeps the LM head and verifies; the worker must never hold a token id, so draft
   * tokens and draft distributions are refused.
   *
   * @param rows rows of the frame's validated hidden tensor
   * @throws InvalidFrameException on any violation
   */
  public static void checkHiddenOnly(SessionFrame frame, int rows, int maxDrafts) {
    if (frame.getDraftTokensCount() > 0 || frame.getDraftDistributionsCount() > 0) {
      throw new InvalidFrameException(
          "a U-shaped session's window frame carries hidden states only: the worker never holds a"
              + " token id, so draft tokens and draft distributions are refused");
    }
    if (rows < 1 || rows > maxDrafts + 1) {
      throw new InvalidFrameException(
          "a U-shaped window carries 1 to " + (maxDrafts + 1) + " hidden rows, got " + rows);
    }
    if (!frame.getLast()) {
      throw new InvalidFrameException("a window frame must set last");
    }
  }

  /**
   * @param rows rows of the frame's validated hidden tensor
   * @throws InvalidFrameException on any violation
   */
  public static Drafts check(SessionFrame frame, int rows, int maxDrafts, int vocabSize) {
    int n = frame.getDraftTokensCount();
    if (n < 1 || n > maxDrafts) {
      throw new InvalidFrameException(
          "a window frame carries 1 to " + maxDrafts + " draft tokens, got " + n);
    }
    if (rows != n + 1) {
      throw new InvalidFrameException(
          "a window of "
              + n
              + " draft tokens needs "
              + (n + 1)
              + " hidden rows (the last token's and one per draft), got "
              + rows);
    }
    if (!frame.getLast()) {
      throw new InvalidFrameException("a window frame must set last");
    }
    int[] tokens = new int[n];
    for (int i = 0; i < n; i++) {
      tokens[i] = inVocabulary(frame.getDraftTokens(i), vocabSize, "draft token");
    }
    int dists = frame.getDraftDistributionsCount();
    if (dists == 0) {
      return new Drafts(tokens, null);
    }
    if (dists != n) {
      throw new InvalidFrameException(
          "a window of "
              + n
              + " draft tokens has "
              + dists
              + " draft distributions (0 or one per draft)");
    }
    DraftDistribution[] q = new DraftDistribution[n];
    for (int i = 0; i < n; i++) {
      dev.edgesplit.proto.v1.DraftDistribution d = frame.getDraftDistributions(i);
      if (d.getTokenIdsCount() > vocabSize) {
        throw new InvalidFrameException(
            "draft distribution " + i + " lists more ids than the vocabulary holds");
      }
      int[] ids = new int[d.getTokenIdsCount()];
      float[] probs = new float[d.getProbsCount()];
      for (int j = 0; j < ids.length; j++) {
        ids[j] = inVocabulary(d.getTokenIds(j), vocabSize, "token id of draft distribution " + i);
      }
      for (int j = 0; j < probs.length; j++) {
        probs[j] = d.getProbs(j);
      }
      try {
        q[i] = new DraftDistribution(ids, probs);
      } catch (IllegalArgumentException e) {
        throw new InvalidFrameException("draft distribution " + i + ": " + e.getMessage());
      }
      if (q[i].probability(tokens[i]) <= 0) {
        throw new InvalidFrameException(
            "draft token " + tokens[i] + " is not in its draft distribution " + i);
      }
    }
    return new Drafts(tokens, q);
  }

  private static int inVocabulary(int id, int vocabSize, String what) {
    // uint32 on the wire: an id of 2^31 or more is negative here.
    if (id < 0 || id >= vocabSize) {
      throw new InvalidFrameException(
          what + " " + Integer.toUnsignedString(id) + " is outside the vocabulary of " + vocabSize);
    }
    return id;
  }
}
