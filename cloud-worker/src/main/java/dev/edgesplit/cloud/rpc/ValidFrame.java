package dev.edgesplit.cloud.rpc;

import dev.edgesplit.engine.sampling.SamplingParams;

/**
 * A frame that passed every check that needs no session: what the step will run.
 *
 * @param hidden  decoded hidden states {@code [seqLen, dim]}, finite; null for a close-only frame
 * @param seqLen  positions S in the frame (0 for a close-only frame)
 * @param sample  true when the worker must sample a token (decode frames and the last prefill chunk)
 */
record ValidFrame(String sessionId, int startPosition, float[] hidden, int seqLen, boolean sample, boolean close,
    SamplingParams sampling) {

  boolean closeOnly() {
    return hidden == null;
  }
}
