package dev.edgesplit.edge.speculate;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import java.nio.FloatBuffer;

/**
 * Drafts with the model's own final norm and LM head applied to the board's h_cut (greedy): the
 * edge layers run one position at a time over the last token and each draft, so drafting computes
 * the window's hidden states itself and the generation sends them as they are. Without training for
 * it, early layers draft poorly: the measured acceptance at each cut is in
 * docs/speculative-decoding.md.
 */
final class EarlyExitDrafter implements Drafter {

  private final SegmentChain edge;
  private final ChainState edgeState;
  private final SegmentChain head;
  private final ChainState headState;
  private final int dim;

  /**
   * @param head the final norm and LM head alone (layers [N, N)): hidden states in, logits out
   */
  EarlyExitDrafter(SegmentChain edge, ChainState edgeState, SegmentChain head) {
    if (head.takesTokens() || !head.emitsLogits() || head.firstLayer() != head.endLayer()) {
      throw new IllegalArgumentException("early exit needs the final norm and LM head alone");
    }
    this.edge = edge;
    this.edgeState = edgeState;
    this.head = head;
    this.headState = head.newState();
    this.dim = edge.config().dim();
  }

  @Override
  public Draft propose(TokenHistory history, int max) {
    int[] tokens = new int[max];
    float[] rows = new float[(max + 1) * dim];
    int token = history.get(history.size() - 1);
    for (int i = 0; ; i++) {
      FloatBuffer h = edge.decodeToken(edgeState, token);
      h.get(rows, i * dim, dim);
      if (i == max) {
        break;
      }
      // The head holds no KV cache: every call is position 0.
      headState.rewind(0);
      FloatBuffer logits = head.decodeHidden(headState, FloatBuffer.wrap(rows, i * dim, dim));
      token = argmax(logits);
      tokens[i] = token;
    }
    return new Draft(tokens, null, rows);
  }

  private static int argmax(FloatBuffer logits) {
    float[] copy = new float[logits.remaining()];
    logits.get(copy);
    return Sampler.argmax(copy);
  }

  @Override
  public void close() {
    headState.close();
  }
}
