package dev.edgesplit.edge.link;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SpeculativeAcceptance;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.HandshakeResponse;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The cloud's half of the model run on the board: the fallback when no cloud worker is reachable.
 * Answers session frames exactly as a worker would (same layers, same sampler), so a generation can
 * continue on it after replaying the hidden states it has sent. The chain is opened and closed by
 * the caller (main). Thread-safe across sessions; a {@link Session} is used by one generation
 * thread.
 */
public final class LocalCloud {

  /** Most drafts per window the fallback verifies (as a worker would). */
  static final int MAX_WINDOW_DRAFTS = 32;

  private final SegmentChain chain;
  private final HandshakeResponse limits;

  /**
   * @param chain opened with {@code CompiledModel.openCloud(cut, ...)}: layers [cut, N), norm and
   *     LM head; or, for a U-shaped split, layers [cut, returnCut) without the head, answered with
   *     hidden states
   */
  public LocalCloud(SegmentChain chain) {
    if (chain.takesTokens()) {
      throw new IllegalArgumentException(
          "the local fallback needs a cloud chain (hidden states in)");
    }
    this.chain = chain;
    this.limits =
        HandshakeResponse.newBuilder()
            .setCut(chain.firstLayer())
            .setHiddenDim(chain.config().dim())
            .setMaxContext(chain.maxContext())
            .setMaxFramePositions(chain.maxContext())
            .setVocabSize(chain.config().vocabSize())
            .setMaxWindowDrafts(MAX_WINDOW_DRAFTS)
            .build();
  }

  /** The limits a worker would announce at handshake. */
  public HandshakeResponse limits() {
    return limits;
  }

  /** A new session with an empty KV cache; the caller closes it. */
  public Session open(SamplingParams sampling) {
    dev.edgesplit.engine.sampling.SamplingParams params =
        new dev.edgesplit.engine.sampling.SamplingParams(
            sampling.getTemperature(),
            sampling.getTopK(),
            sampling.getTopP() == 0 ? 1f : sampling.getTopP(),
            sampling.getSeed());
    return new Session(chain.newState(), new Sampler(params, chain.config().vocabSize()));
  }

  /** One generation's KV cache and sampler on the board. */
  public final class Session implements AutoCloseable {
    private final ChainState state;
    private final Sampler sampler;

    private Session(ChainState state, Sampler sampler) {
      this.state = state;
      this.sampler = sampler;
    }

    /** Runs the frame's positions and samples when the frame is flagged {@code last}. */
    public SessionReply exchange(SessionFrame frame) {
      boolean middleWindow =
          frame.getPhase() == FramePhase.FRAME_PHASE_WINDOW && !chain.emitsLogits();
      if (middleWindow && frame.getStartPosition() < state.position()) {
        // A U-shaped window rewinds past the rows the edge rejected, as a worker does.
        state.rewind(frame.getStartPosition());
      }
      if (frame.getStartPosition() != state.position()) {
        throw new IllegalStateException(
            "local session holds "
                + state.position()
                + " positions but the frame starts at "
                + frame.getStartPosition());
      }
      long t0 = System.nanoTime();
      int rows = frame.getHidden().getShape(0);
      float[] hidden =
          HiddenCodec.decode(frame.getHidden(), chain.config().dim(), chain.maxContext());
      if (middleWindow) {
        return middleWindow(frame, hidden, rows)
            .setComputeTimeUs((System.nanoTime() - t0) / 1000)
            .build();
      }
      if (frame.getPhase() == FramePhase.FRAME_PHASE_WINDOW) {
        return window(frame, hidden, rows)
            .setComputeTimeUs((System.nanoTime() - t0) / 1000)
            .build();
      }
      float[] logits = chain.forwardHidden(state, hidden, rows);
      SessionReply.Builder reply =
          SessionReply.newBuilder()
              .setSessionId(frame.getSessionId())
              .setPosition(state.position());
      if (!chain.emitsLogits()) {
        reply.setHidden(
            HiddenCodec.encode(
                logits, 0, rows, chain.config().dim(), frame.getHidden().getDtype()));
      } else if (frame.getLast()) {
        int token = sampler.sample(logits, state.position());
        reply.setHasToken(true).setTokenId(token);
        if (frame.getSampling().getLogprobs()) {
          reply.setLogprob(sampler.logprob(logits, token));
        }
      }
      return reply.setComputeTimeUs((System.nanoTime() - t0) / 1000).build();
    }

    /**
     * A U-shaped session's window: the middle layers over the rows one position at a time and every
     * row's output back (the edge verifies), as a worker does.
     */
    private SessionReply.Builder middleWindow(SessionFrame frame, float[] hidden, int rows) {
      if (frame.getDraftTokensCount() > 0 || rows > MAX_WINDOW_DRAFTS + 1) {
        throw new IllegalStateException(
            "a U-shaped window of "
                + rows
                + " rows carries "
                + frame.getDraftTokensCount()
                + " drafts");
      }
      int dim = chain.config().dim();
      float[] out = new float[rows * dim];
      for (int row = 0; row < rows; row++) {
        float[] h =
            chain.forwardHidden(state, Arrays.copyOfRange(hidden, row * dim, (row + 1) * dim), 1);
        System.arraycopy(h, 0, out, row * dim, dim);
      }
      return SessionReply.newBuilder()
          .setSessionId(frame.getSessionId())
          .setPosition(state.position())
          .setHidden(HiddenCodec.encode(out, 0, rows, dim, frame.getHidden().getDtype()));
    }

    /** Verifies a speculative window one position at a time, as a worker's WindowVerifier does. */
    private SessionReply.Builder window(SessionFrame frame, float[] hidden, int rows) {
      int dim = chain.config().dim();
      int drafts = frame.getDraftTokensCount();
      if (rows != drafts + 1 || drafts > MAX_WINDOW_DRAFTS) {
        throw new IllegalStateException(
            "window of " + rows + " rows carries " + drafts + " drafts");
      }
      SessionReply.Builder reply =
          SessionReply.newBuilder().setSessionId(frame.getSessionId()).setHasToken(true);
      float[] logits = new float[chain.config().vocabSize()];
      for (int row = 0; row < rows; row++) {
        chain.decodeHidden(state, FloatBuffer.wrap(hidden, row * dim, dim)).get(logits);
        int token;
        if (row == drafts) {
          token = sampler.sample(logits, state.position());
        } else {
          token = SpeculativeAcceptance.judge(sampler, logits, state.position());
        }
        reply.addWindowTokens(token).setTokenId(token);
        if (frame.getSampling().getLogprobs()) {
          reply.addWindowLogprobs(sampler.logprob(logits, token));
        }
        if (row < drafts && token != frame.getDraftTokens(row)) {
          break;
        }
      }
      return reply.setPosition(state.position());
    }

    @Override
    public void close() {
      state.close();
    }
  }
}
