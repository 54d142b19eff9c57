package dev.edgesplit.cloud.compute;

import dev.edgesplit.engine.segment.SegmentChain;
import java.nio.FloatBuffer;

/** {@link CloudCompute} over the engine's cloud chain (layers [cut, N) + norm + LM head). */
public final class ChainCloudCompute implements CloudCompute {

  private final SegmentChain chain;
  private final CloudModelInfo info;

  /**
   * @param chain opened by the caller with {@code CompiledModel.openCloud(cut, ...)}; the caller
   *     closes it
   */
  public ChainCloudCompute(SegmentChain chain, String fingerprint) {
    if (chain.takesTokens() || !chain.emitsLogits()) {
      throw new IllegalArgumentException(
          "a cloud chain takes hidden states and ends with the LM head");
    }
    this.chain = chain;
    this.info =
        new CloudModelInfo(
            fingerprint,
            chain.firstLayer(),
            chain.config().nLayers(),
            chain.config().dim(),
            chain.config().vocabSize(),
            chain.maxContext());
  }

  @Override
  public CloudModelInfo info() {
    return info;
  }

  @Override
  public ComputeState newState() {
    return new ChainComputeState(chain.newState(), info.cut(), this, () -> {});
  }

  @Override
  public float[] forward(ComputeState state, float[] hidden, int seqLen) {
    ChainComputeState s = ChainComputeState.of(state, this);
    if (seqLen != 1) {
      return chain.forwardHidden(s.state, hidden, seqLen);
    }
    // A decode step reads the logits out of the chain's own buffer into the session's: no
    // allocation per token.
    return s.logits(chain.decodeHidden(s.state, FloatBuffer.wrap(hidden)));
  }

  /** A {@link ChainCloudCompute} that owns its chain and closes it. */
  public static final class Owning implements CloudCompute, AutoCloseable {
    private final SegmentChain chain;
    private final ChainCloudCompute compute;

    public Owning(SegmentChain chain, String fingerprint) {
      this.chain = chain;
      this.compute = new ChainCloudCompute(chain, fingerprint);
    }

    @Override
    public CloudModelInfo info() {
      return compute.info();
    }

    @Override
    public ComputeState newState() {
      return compute.newState();
    }

    @Override
    public float[] forward(ComputeState state, float[] hidden, int seqLen) {
      return compute.forward(state, hidden, seqLen);
    }

    @Override
    public void close() {
      chain.close();
    }
  }
}
