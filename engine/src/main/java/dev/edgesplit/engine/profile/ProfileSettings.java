package dev.edgesplit.engine.profile;

/**
 * How hard {@link SegmentProfiler} measures.
 *
 * @param contextPositions positions already in the KV cache when decode is timed (decode cost grows
 *     with it)
 * @param warmupTokens decode steps run and thrown away first (ONNX Runtime's first runs are slow)
 * @param decodeTokens decode steps timed per segment; the result is their mean
 */
public record ProfileSettings(int contextPositions, int warmupTokens, int decodeTokens) {

  public ProfileSettings {
    if (contextPositions < 1 || warmupTokens < 0 || decodeTokens < 1) {
      throw new IllegalArgumentException(
          "profile needs contextPositions >= 1, warmupTokens >= 0 and decodeTokens"
              + " >= 1, got "
              + contextPositions
              + ", "
              + warmupTokens
              + ", "
              + decodeTokens);
    }
  }

  /**
   * 32 positions of context, 4 warm-up steps, 16 timed steps: a few seconds for a 30-layer model.
   */
  public static ProfileSettings defaults() {
    return new ProfileSettings(32, 4, 16);
  }
}
