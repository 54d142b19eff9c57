package dev.edgesplit.cloud.compute;

/**
 * The worker's half of the model: hidden states of layer {@code cut} in, logits of the last position out.
 * Implementations are thread-safe across states; a state is used by one step at a time.
 */
public interface CloudCompute {

  CloudModelInfo info();

  /** A fresh, empty KV cache for one session. */
  ComputeState newState();

  /**
   * Runs {@code seqLen} positions starting at {@code state.position()} and advances the state.
   *
   * @param hidden row-major hidden states {@code [seqLen, dim]}, already validated (finite, right size)
   * @return logits of the last position, {@code [vocabSize]}
   */
  float[] forward(ComputeState state, float[] hidden, int seqLen);
}
