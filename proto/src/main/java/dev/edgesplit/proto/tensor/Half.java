package dev.edgesplit.proto.tensor;

/**
 * IEEE 754 binary16 conversions (Java 17 has no {@code Float.floatToFloat16}). Rounding is to
 * nearest, ties to even; overflow gives infinity; NaN stays NaN.
 */
public final class Half {

  private Half() {}

  /** The binary16 bits nearest to {@code value}. */
  public static short fromFloat(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      // Subnormal half: value = m * 2^-24, so shift the 24-bit significand right by 14 - e.
      int significand = mant | 0x800000;
      int shift = 14 - e;
      return (short) (sign | roundShift(significand, shift));
    }
    // A carry out of the mantissa correctly bumps the exponent (up to infinity).
    int half = (e << 10) | roundShift(mant, 13);
    return (short) (sign | half);
  }

  /** The float value of binary16 bits {@code half}. */
  public static float toFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** True when the binary16 bits encode infinity or NaN. */
  public static boolean isNonFinite(short half) {
    return (half & 0x7c00) == 0x7c00;
  }

  private static int roundShift(int value, int shift) {
    int kept = value >>> shift;
    int rest = value & ((1 << shift) - 1);
    int mid = 1 << (shift - 1);
    if (rest > mid || (rest == mid && (kept & 1) != 0)) {
      kept++;
    }
    return kept;
  }
}
