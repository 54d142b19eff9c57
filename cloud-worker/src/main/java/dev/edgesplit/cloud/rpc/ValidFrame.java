package dev.edgesplit.cloud.rpc;

import dev.edgesplit.engine.sampling.DraftDistribution;
import dev.edgesplit.engine.sampling.SamplingParams;

/**
 * A frame that passed every check that needs no session: what the step will run.
 *
 * @param hidden decoded hidden states {@code [seqLen, dim]}, finite; null for a close-only frame
 * @param seqLen positions S in the frame (0 for a close-only frame)
 * @param sample true when the worker must sample a token (decode frames and the last prefill chunk)
 * @param drafts a speculative window's draft tokens ({@code seqLen - 1} ids), empty for a U-shaped
 *     session's window (hidden rows only: the edge verifies), or null for other frames
 * @param draftQ the drafts' distributions (one per draft), or null when deterministic or not a
 *     window
 */
record ValidFrame(
    String sessionId,
    int startPosition,
    float[] hidden,
    int seqLen,
    boolean sample,
    boolean close,
    SamplingParams sampling,
    int[] drafts,
    DraftDistribution[] draftQ) {

  ValidFrame(
      String sessionId,
      int startPosition,
      float[] hidden,
      int seqLen,
      boolean sample,
      boolean close,
      SamplingParams sampling) {
    this(sessionId, startPosition, hidden, seqLen, sample, close, sampling, null, null);
  }

  /** True for a speculative window. */
  boolean window() {
    return drafts != null;
  }

  /** True for a U-shaped session's window: hidden rows only, no draft ids. */
  boolean hiddenOnlyWindow() {
    return drafts != null && drafts.length == 0;
  }

  boolean closeOnly() {
    return hidden == null;
  }
}
