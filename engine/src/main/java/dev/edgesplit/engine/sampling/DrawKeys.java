package dev.edgesplit.engine.sampling;

/**
 * Random numbers addressed by (seed, position, token id) instead of drawn from a stream:
 * SplitMix64's finalizer (Steele, Lea and Flood 2014, the mixer of {@link
 * java.util.SplittableRandom}) over the key, so any draw can be recomputed on its own, on either
 * side of the split.
 */
final class DrawKeys {

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private DrawKeys() {}

  /** The key of every draw at {@code position} under {@code seed}. */
  static long position(long seed, long position) {
    return mix64(mix64(seed) + GOLDEN_GAMMA * (position + 1));
  }

  /** A uniform double in [0, 1) for {@code token} under a position's key. */
  static double uniform(long key, int token) {
    return (mix64(key + GOLDEN_GAMMA * (token + 1L)) >>> 11) * 0x1.0p-53;
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
