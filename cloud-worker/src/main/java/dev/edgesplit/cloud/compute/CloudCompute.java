package dev.edgesplit.cloud.compute;

/**
 * The worker's half of the model: hidden states of layer {@code cut} in, logits of the last
 * position out. Implementations are thread-safe across states; a state is used by one step at a
 * time.
 */
public interface CloudCompute {

  CloudModelInfo info();

  /** A fresh, empty KV cache for one session at the worker's configured cut. */
  ComputeState newState();

  /** True when sessions at {@code cut} can be served (a single-cut compute serves only its own). */
  default boolean servesCut(int cut) {
    return cut == info().cut();
  }

  /**
   * A fresh, empty KV cache for one session at {@code cut}.
   *
   * @throws dev.edgesplit.cloud.error.IncompatiblePlanException when this compute does not serve
   *     that cut
   */
  default ComputeState newState(int cut) {
    if (!servesCut(cut)) {
      throw new dev.edgesplit.cloud.error.IncompatiblePlanException(
          "this worker serves cut "
              + info().cut()
              + " only, not cut "
              + cut
              + " (start it with a per-layer build to serve any cut)");
    }
    return newState();
  }

  /**
   * True when U-shaped sessions running only layers {@code [cut, returnCut)} (hidden states back,
   * no head) can be served; {@code returnCut == nLayers} is the plain split.
   */
  default boolean servesRange(int cut, int returnCut) {
    return returnCut == info().nLayers() && servesCut(cut);
  }

  /**
   * True when its states can {@link ComputeState#rewind}: a U-shaped session's speculative windows
   * need it (the edge verifies and the worker drops the rows it rejected). Without it, the
   * handshake offers U-shaped sessions no windows.
   */
  default boolean rewindsSessions() {
    return false;
  }

  /**
   * A fresh KV cache for a session running layers {@code [cut, returnCut)}; its {@link #forward}
   * returns the hidden states of every position, {@code [seqLen, dim]}, when {@code returnCut <
   * nLayers}.
   *
   * @throws dev.edgesplit.cloud.error.IncompatiblePlanException when this compute does not serve
   *     that range
   */
  default ComputeState newState(int cut, int returnCut) {
    if (returnCut == info().nLayers()) {
      return newState(cut);
    }
    throw new dev.edgesplit.cloud.error.IncompatiblePlanException(
        "this worker serves the plain split only, not "
            + "layers ["
            + cut
            + ", "
            + returnCut
            + ") (start it with a per-layer build to serve U-shaped sessions)");
  }

  /**
   * Times every layer and the head on this host (the Profile RPC).
   *
   * @throws dev.edgesplit.cloud.error.IncompatiblePlanException when the compute has no per-layer
   *     build
   */
  default dev.edgesplit.engine.profile.LayerTimings profile(
      dev.edgesplit.engine.profile.ProfileSettings settings,
      dev.edgesplit.engine.energy.EnergyMeter meter) {
    throw new dev.edgesplit.cloud.error.IncompatiblePlanException(
        "this worker runs a single-cut build; per-layer profiling needs a per-layer build");
  }

  /**
   * Runs {@code seqLen} positions starting at {@code state.position()} and advances the state.
   *
   * @param hidden row-major hidden states {@code [seqLen, dim]}, already validated (finite, right
   *     size)
   * @return logits of the last position, {@code [vocabSize]}; the array may be the session's own,
   *     overwritten by its next step
   */
  float[] forward(ComputeState state, float[] hidden, int seqLen);
}
