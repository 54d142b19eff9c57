package dev.edgesplit.bench;

/**
 * Hidden states as fp16 little-endian bytes, the default wire form of {@code h_k}: lets the in-process split
 * account for the serialization a link would add. Round to nearest even; overflow saturates to infinity.
 */
final class Fp16Wire {

  private Fp16Wire() {}

  /** Writes {@code values} into {@code out} ({@code 2 * values.length} bytes). */
  static void encode(float[] values, byte[] out) {
    if (out.length < 2 * values.length) {
      throw new IllegalArgumentException("need " + 2 * values.length + " bytes, got " + out.length);
    }
    for (int i = 0; i < values.length; i++) {
      short h = toHalf(values[i]);
      out[2 * i] = (byte) h;
      out[2 * i + 1] = (byte) (h >>> 8);
    }
  }

  /** Reads {@code out.length} values from {@code in}. */
  static void decode(byte[] in, float[] out) {
    if (in.length < 2 * out.length) {
      throw new IllegalArgumentException("need " + 2 * out.length + " bytes, got " + in.length);
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = toFloat((short) ((in[2 * i] & 0xff) | (in[2 * i + 1] << 8)));
    }
  }

  static short toHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
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
      // Subnormal half: shift the mantissa (with its implicit 1) and round to nearest even.
      int m = mant | 0x800000;
      int shift = 14 - e;
      int half = m >>> shift;
      int rest = m & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rest > mid || (rest == mid && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
      half++;
    }
    return (short) (sign | half);
  }

  static float toFloat(short h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant / 16777216f; // mant x 2^-24
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }
}
