package dev.edgesplit.bench;

import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import java.nio.FloatBuffer;

/**
 * Edge and cloud chains in one process, the hidden state handed over in memory (no serialization).
 * Times each side and counts the edge hot path's allocations per decode step. With a tail chain it
 * is the U-shaped split: the cloud chain runs [k,m) and the tail, [m,N) + head, counts as edge
 * time.
 */
final class SplitSession implements BenchSession {

  private final SegmentChain edge;
  private final SegmentChain cloud;
  private final SegmentChain tail; // null in the plain split
  private final ChainState edgeState;
  private final ChainState cloudState;
  private final ChainState tailState;
  private final ThreadAllocations allocations = new ThreadAllocations();
  final StepRecorder edgeNanos;
  final StepRecorder cloudNanos;
  final StepRecorder edgeAllocated;
  private boolean decoding;

  SplitSession(SegmentChain edge, SegmentChain cloud, int capacity) {
    this(edge, cloud, null, capacity);
  }

  /**
   * @param tail the U shape's [m,N) + head after a cloud chain of [k,m), or null for the plain
   *     split
   */
  SplitSession(SegmentChain edge, SegmentChain cloud, SegmentChain tail, int capacity) {
    boolean chained =
        tail == null
            ? cloud.emitsLogits()
            : !cloud.emitsLogits() && tail.emitsLogits() && cloud.endLayer() == tail.firstLayer();
    if (!edge.takesTokens() || !chained || edge.endLayer() != cloud.firstLayer()) {
      throw new IllegalArgumentException(
          "edge must run embedding + [0,k) and cloud [k,N) + head, or cloud [k,m) and tail [m,N) + head");
    }
    this.edge = edge;
    this.cloud = cloud;
    this.tail = tail;
    ChainState e = edge.newState();
    ChainState c = null;
    try {
      c = cloud.newState();
      this.tailState = tail == null ? null : tail.newState();
    } catch (RuntimeException ex) {
      if (c != null) {
        c.close();
      }
      e.close();
      throw ex;
    }
    this.cloudState = c;
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
    float[] out = cloud.forwardHidden(cloudState, hidden, tokens.length);
    return tail == null ? out : tail.forwardHidden(tailState, out, tokens.length);
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
    FloatBuffer cloudOut = cloud.decodeHidden(cloudState, hidden);
    long t2 = System.nanoTime();
    FloatBuffer logitsView = tail == null ? cloudOut : tail.decodeHidden(tailState, cloudOut);
    long t3 = tail == null ? t2 : System.nanoTime();
    float[] logits = new float[logitsView.remaining()];
    logitsView.get(logits);
    if (decoding) {
      edgeNanos.add(t1 - t0 + t3 - t2);
      cloudNanos.add(t2 - t1);
      edgeAllocated.add(allocAfter - allocBefore);
    }
    return logits;
  }

  @Override
  public void reset() {
    edgeState.reset();
    cloudState.reset();
    if (tailState != null) {
      tailState.reset();
    }
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
    if (tailState != null) {
      tailState.close();
    }
  }
}
