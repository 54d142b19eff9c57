package dev.edgesplit.partitioner.model;

/**
 * IEEE binary16 and bfloat16 conversions (Java 17 has neither). Float to 16 bits rounds to nearest
 * even.
 */
public final class HalfFloats {

  private HalfFloats() {}

  /** binary16 bits to float, exact (subnormals, infinities and NaN included). */
  public static float halfToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    if (exp == 31) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** float to binary16 bits, round to nearest even; overflow gives infinity. */
  public static short floatToHalf(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7fffffff;
    if (abs > 0x7f800000) {
      return (short) (sign | 0x7e00);
    }
    // 65520 (halfway between 65504 and 2^16) and above round to infinity.
    if (abs >= 0x477ff000) {
      return (short) (sign | 0x7c00);
    }
    if (abs < 0x38800000) {
      // Below the smallest normal half: a multiple of 2^-24; rint rounds half to even.
      int m = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24);
      return (short) (sign | m);
    }
    int exp = (abs >>> 23) - 127 + 15;
    int mant = abs & 0x7fffff;
    int h = (exp << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) {
      h++;
    }
    return (short) (sign | h);
  }

  /** bfloat16 bits to float, exact. */
  public static float bf16ToFloat(short bf16) {
    return Float.intBitsToFloat((bf16 & 0xffff) << 16);
  }

  /** float to bfloat16 bits, round to nearest even; NaN stays NaN. */
  public static short floatToBf16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if ((bits & 0x7fffffff) > 0x7f800000) {
      return (short) ((bits >>> 16) | 0x40);
    }
    return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
  }
}
