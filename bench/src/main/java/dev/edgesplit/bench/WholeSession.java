package dev.edgesplit.bench;

import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;

/**
 * The unsplit model: one chain from token ids to logits. Records the allocations of each decode
 * step.
 */
final class WholeSession implements BenchSession {

  private final SegmentChain chain;
  private final ChainState state;
  private final ThreadAllocations allocations = new ThreadAllocations();
  final StepRecorder allocated;
  private boolean decoding;

  WholeSession(SegmentChain chain, int capacity) {
    if (!chain.takesTokens() || !chain.emitsLogits()) {
      throw new IllegalArgumentException("the unsplit chain must run from token ids to logits");
    }
    this.chain = chain;
    this.state = chain.newState();
    this.allocated = new StepRecorder(capacity);
  }

  @Override
  public float[] run(int[] tokens) {
    long before = allocations.current();
    float[] logits = chain.forwardTokens(state, tokens);
    if (decoding) {
      allocated.add(allocations.current() - before);
    }
    return logits;
  }

  @Override
  public void reset() {
    state.reset();
    allocated.clear();
  }

  @Override
  public void decoding(boolean decoding) {
    this.decoding = decoding;
  }

  @Override
  public void close() {
    state.close();
  }
}
