package dev.edgesplit.cloud.rpc;

import dev.edgesplit.cloud.compute.CloudModelInfo;
import dev.edgesplit.cloud.error.ContextOverflowException;
import dev.edgesplit.cloud.error.InvalidFrameException;
import dev.edgesplit.cloud.speculate.WindowFrames;
import dev.edgesplit.engine.sampling.SamplingParams;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.SessionFrame;

/**
 * Checks a {@link SessionFrame} against the wire contract and the served model before anything
 * reaches ONNX Runtime: session id, phase and flags, tensor shape/dtype/bytes/values (via {@link
 * HiddenCodec}), sampling parameters, and that the positions fit the context. Session-dependent
 * checks (exists, position matches) are done by the stream that holds the sessions. Stateless and
 * thread-safe.
 */
final class FrameValidator {

  static final int MAX_SESSION_ID_LENGTH = 128;

  private final CloudModelInfo info;
  private final int maxFramePositions;

  FrameValidator(CloudModelInfo info, int maxFramePositions) {
    this.info = info;
    this.maxFramePositions = maxFramePositions;
  }

  ValidFrame validate(SessionFrame frame) {
    String id = frame.getSessionId();
    checkSessionId(id);
    SamplingParams sampling = samplingOf(frame);
    if (!frame.hasHidden()) {
      if (!frame.getClose()) {
        throw new InvalidFrameException(
            "frame of session '" + id + "' has no hidden tensor and is not a close frame");
      }
      // start_position is uint32 on the wire: an unchecked value >= 2^31 would become a negative
      // position.
      long closeAt = Integer.toUnsignedLong(frame.getStartPosition());
      if (closeAt > info.maxContext()) {
        throw new ContextOverflowException(
            "close frame at position "
                + closeAt
                + " is beyond the context of "
                + info.maxContext()
                + " positions");
      }
      return new ValidFrame(id, (int) closeAt, null, 0, false, true, sampling);
    }
    FramePhase phase = frame.getPhase();
    boolean window = phase == FramePhase.FRAME_PHASE_WINDOW;
    if (phase != FramePhase.FRAME_PHASE_PREFILL
        && phase != FramePhase.FRAME_PHASE_DECODE
        && !window) {
      throw new InvalidFrameException(
          "frame phase must be PREFILL, DECODE or WINDOW, got " + phase);
    }
    if (!window && (frame.getDraftTokensCount() > 0 || frame.getDraftDistributionsCount() > 0)) {
      throw new InvalidFrameException("draft tokens belong in WINDOW frames only");
    }
    float[] hidden = HiddenCodec.decode(frame.getHidden(), info.dim(), maxFramePositions);
    int seqLen = hidden.length / info.dim();
    if (phase == FramePhase.FRAME_PHASE_DECODE && (seqLen != 1 || !frame.getLast())) {
      throw new InvalidFrameException(
          "a decode frame carries exactly one position and sets last; got S = "
              + seqLen
              + ", last = "
              + frame.getLast());
    }
    long start = Integer.toUnsignedLong(frame.getStartPosition());
    if (start + seqLen > info.maxContext()) {
      throw new ContextOverflowException(
          "positions ["
              + start
              + ", "
              + (start + seqLen)
              + ") exceed the context of "
              + info.maxContext()
              + " positions");
    }
    if (window && frame.hasReturnCut()) {
      WindowFrames.checkHiddenOnly(frame, seqLen, maxWindowDrafts());
      return new ValidFrame(
          id, (int) start, hidden, seqLen, true, frame.getClose(), sampling, new int[0], null);
    }
    if (window) {
      WindowFrames.Drafts drafts =
          WindowFrames.check(frame, seqLen, maxWindowDrafts(), info.vocabSize());
      return new ValidFrame(
          id,
          (int) start,
          hidden,
          seqLen,
          true,
          frame.getClose(),
          sampling,
          drafts.tokens(),
          drafts.distributions());
    }
    return new ValidFrame(
        id, (int) start, hidden, seqLen, frame.getLast(), frame.getClose(), sampling);
  }

  /**
   * Most draft tokens in one window frame: the worker's limit, and one row less than a frame may
   * carry.
   */
  int maxWindowDrafts() {
    return Math.min(WindowFrames.MAX_WINDOW_DRAFTS, maxFramePositions - 1);
  }

  private static void checkSessionId(String id) {
    if (id.isEmpty() || id.length() > MAX_SESSION_ID_LENGTH) {
      throw new InvalidFrameException(
          "session_id must have 1-" + MAX_SESSION_ID_LENGTH + " characters, got " + id.length());
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new InvalidFrameException("session_id must be printable ASCII without spaces");
      }
    }
  }

  private static SamplingParams samplingOf(SessionFrame frame) {
    dev.edgesplit.proto.v1.SamplingParams p = frame.getSampling();
    float topP = p.getTopP() == 0f ? 1f : p.getTopP();
    if (p.getTopK() < 0) {
      throw new InvalidFrameException(
          "top_k " + Integer.toUnsignedString(p.getTopK()) + " is too large");
    }
    try {
      return new SamplingParams(
          p.getTemperature(), p.getTopK(), topP, p.getSeed(), p.getLogprobs());
    } catch (IllegalArgumentException e) {
      throw new InvalidFrameException("bad sampling parameters: " + e.getMessage());
    }
  }
}
