package dev.edgesplit.cloud.compute;

import dev.edgesplit.engine.segment.ChainState;
import java.nio.FloatBuffer;

/**
 * A session's {@link ChainState} as the chain-backed computes hand it out: which compute made it
 * (each refuses another's), the cut its chain starts at, and what its compute does once it is
 * closed. Closing is idempotent.
 */
final class ChainComputeState implements ComputeState {

  final ChainState state;
  final int cut;

  /**
   * End of the layers this session runs: nLayers for the plain split, less for a U-shaped session.
   */
  final int returnCut;

  private final CloudCompute owner;
  private final Runnable afterClose;
  private boolean closed;
  private float[] logits;

  ChainComputeState(ChainState state, int cut, CloudCompute owner, Runnable afterClose) {
    this(state, cut, Integer.MAX_VALUE, owner, afterClose);
  }

  ChainComputeState(
      ChainState state, int cut, int returnCut, CloudCompute owner, Runnable afterClose) {
    this.state = state;
    this.cut = cut;
    this.returnCut = returnCut;
    this.owner = owner;
    this.afterClose = afterClose;
  }

  /** {@code state} as one made by {@code compute}. */
  static ChainComputeState of(ComputeState state, CloudCompute compute) {
    if (!(state instanceof ChainComputeState) || ((ChainComputeState) state).owner != compute) {
      throw new IllegalArgumentException("state was not created by this compute");
    }
    return (ChainComputeState) state;
  }

  /**
   * Copies {@code view} into this session's logits array (made once, reused by every decode step).
   */
  float[] logits(FloatBuffer view) {
    if (logits == null || logits.length != view.remaining()) {
      logits = new float[view.remaining()];
    }
    view.get(logits);
    return logits;
  }

  @Override
  public int position() {
    return state.position();
  }

  @Override
  public void rewind(int position) {
    state.rewind(position);
  }

  @Override
  public long kvBytes() {
    return state.kvBytes();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    state.close();
    afterClose.run();
  }
}
