package dev.edgesplit.cloud.rpc;

import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.CloudModelInfo;
import dev.edgesplit.cloud.compute.ComputeState;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in for ONNX Runtime: the logits of a frame peak at (sum of the last row,
 * rounded) mod vocab, so a test can predict the sampled token. Counts forward calls so tests can
 * prove that a rejected frame never reached the model, and open states so they can prove sessions
 * were freed.
 */
final class FakeCompute implements CloudCompute {

  static final int DIM = 8;
  static final int VOCAB = 32;
  static final int CONTEXT = 16;
  static final long KV_BYTES = 1000;

  final AtomicInteger forwards = new AtomicInteger();
  final AtomicInteger openStates = new AtomicInteger();
  private final CloudModelInfo info = new CloudModelInfo("abc123", 2, 5, DIM, VOCAB, CONTEXT);

  @Override
  public CloudModelInfo info() {
    return info;
  }

  @Override
  public ComputeState newState() {
    openStates.incrementAndGet();
    return new FakeState();
  }

  @Override
  public float[] forward(ComputeState state, float[] hidden, int seqLen) {
    forwards.incrementAndGet();
    FakeState s = (FakeState) state;
    if (s.closed) {
      throw new IllegalStateException("forward on a closed state");
    }
    s.position += seqLen;
    float sum = 0;
    for (int i = (seqLen - 1) * DIM; i < seqLen * DIM; i++) {
      sum += hidden[i];
    }
    float[] logits = new float[VOCAB];
    logits[Math.floorMod(Math.round(sum), VOCAB)] = 10f;
    return logits;
  }

  final class FakeState implements ComputeState {
    int position;
    boolean closed;

    @Override
    public int position() {
      return position;
    }

    @Override
    public long kvBytes() {
      return KV_BYTES;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        openStates.decrementAndGet();
      }
    }
  }
}
