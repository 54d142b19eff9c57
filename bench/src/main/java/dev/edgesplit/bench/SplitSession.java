package dev.edgesplit.bench;

import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import java.nio.FloatBuffer;

/**
 * Edge and cloud chains in one process, the hidden state handed over in memory (no serialization).
 * Times each side and counts the edge hot path's allocations per decode step.
 */
final class SplitSession implements BenchSession {

  private final SegmentChain edge;
  private final SegmentChain cloud;
  private final ChainState edgeState;
  private final ChainState cloudState;
  private final ThreadAllocations allocations = new ThreadAllocations();
  final StepRecorder edgeNanos;
  final StepRecorder cloudNanos;
  final StepRecorder edgeAllocated;
  private boolean decoding;

  SplitSession(SegmentChain edge, SegmentChain cloud, int capacity) {
    if (!edge.takesTokens() || !cloud.emitsLogits() || edge.endLayer() != cloud.firstLayer()) {
      throw new IllegalArgumentException("edge must run embedding + [0,k) and cloud [k,N) + head");
    }
    this.edge = edge;
    this.cloud = cloud;
    ChainState e = edge.newState();
    try {
      this.cloudState = cloud.newState();
    } catch (RuntimeException ex) {
      e.close();
      throw ex;
    }
    this.edgeState = e;
    this.edgeNanos = new StepRecorder(capacity);
    this.cloudNanos = new StepRecorder(capacity);
    this.edgeAllocated = new StepRecorder(capacity);
  }

  @Override
  public float[] run(int[] tokens) {
    if (tokens.length == 1) {
      return decode(tokens[0]);
    }
    float[] hidden = edge.forwardTokens(edgeState, tokens);
    return cloud.forwardHidden(cloudState, hidden, tokens.length);
  }

  /**
   * One decode step through the buffer API the edge agent uses; the edge part is what is counted.
   */
  private float[] decode(int token) {
    long allocBefore = allocations.current();
    long t0 = System.nanoTime();
    FloatBuffer hidden = edge.decodeToken(edgeState, token);
    long t1 = System.nanoTime();
    long allocAfter = allocations.current();
    FloatBuffer logitsView = cloud.decodeHidden(cloudState, hidden);
    long t2 = System.nanoTime();
    float[] logits = new float[logitsView.remaining()];
    logitsView.get(logits);
    if (decoding) {
      edgeNanos.add(t1 - t0);
      cloudNanos.add(t2 - t1);
      edgeAllocated.add(allocAfter - allocBefore);
    }
    return logits;
  }

  @Override
  public void reset() {
    edgeState.reset();
    cloudState.reset();
    edgeNanos.clear();
    cloudNanos.clear();
    edgeAllocated.clear();
  }

  @Override
  public void decoding(boolean decoding) {
    this.decoding = decoding;
  }

  @Override
  public void close() {
    edgeState.close();
    cloudState.close();
  }
}
