package dev.edgesplit.partitioner.model.gguf;

import dev.edgesplit.partitioner.model.ExactBlocks;
import dev.edgesplit.partitioner.model.HalfFloats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes GGML tensor data: every supported type to fp32 (as GGML's reference {@code
 * dequantize_row_*} does, same float operations in the same order, so the values are
 * bit-identical), and Q8_0 / Q4_0 to MatMulNBits blocks that stand for exactly the same values.
 */
final class GgufBlocks {

  private static final int QK = 32;
  private static final int QK_K = 256;

  private GgufBlocks() {}

  /** {@code count} values of {@code type} from {@code data}. */
  static float[] dequantize(GgmlType type, byte[] data, int count) {
    ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[count];
    switch (type) {
      case F32:
        in.asFloatBuffer().get(out);
        break;
      case F16:
        for (int i = 0; i < count; i++) {
          out[i] = HalfFloats.halfToFloat(in.getShort(2 * i));
        }
        break;
      case BF16:
        for (int i = 0; i < count; i++) {
          out[i] = HalfFloats.bf16ToFloat(in.getShort(2 * i));
        }
        break;
      case Q8_0:
        for (int b = 0; b < count / QK; b++) {
          int base = b * type.blockBytes;
          float d = HalfFloats.halfToFloat(in.getShort(base));
          for (int j = 0; j < QK; j++) {
            out[b * QK + j] = data[base + 2 + j] * d;
          }
        }
        break;
      case Q4_0:
        for (int b = 0; b < count / QK; b++) {
          int base = b * type.blockBytes;
          float d = HalfFloats.halfToFloat(in.getShort(base));
          for (int j = 0; j < QK / 2; j++) {
            int q = data[base + 2 + j] & 0xff;
            out[b * QK + j] = ((q & 0x0f) - 8) * d;
            out[b * QK + j + QK / 2] = ((q >>> 4) - 8) * d;
          }
        }
        break;
      case Q4_K:
      case Q5_K:
        for (int b = 0; b < count / QK_K; b++) {
          dequantizeQ45K(type, data, in, b * type.blockBytes, out, b * QK_K);
        }
        break;
      case Q6_K:
        for (int b = 0; b < count / QK_K; b++) {
          dequantizeQ6K(data, in, b * type.blockBytes, out, b * QK_K);
        }
        break;
      default:
        throw new IllegalArgumentException("no decoder for " + type);
    }
    return out;
  }

  /**
   * Q4_K: fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles; Q5_K adds 32
   * high-bit bytes.
   */
  private static void dequantizeQ45K(
      GgmlType type, byte[] data, ByteBuffer in, int base, float[] out, int at) {
    float d = HalfFloats.halfToFloat(in.getShort(base));
    float min = HalfFloats.halfToFloat(in.getShort(base + 2));
    int scales = base + 4;
    boolean five = type == GgmlType.Q5_K;
    int qh = scales + 12;
    int ql = five ? qh + 32 : qh;
    int y = at;
    int u1 = 1;
    int u2 = 2;
    for (int j = 0, is = 0; j < QK_K; j += 64, is += 2) {
      float d1 = d * scale(data, scales, is);
      float m1 = min * mins(data, scales, is);
      float d2 = d * scale(data, scales, is + 1);
      float m2 = min * mins(data, scales, is + 1);
      for (int l = 0; l < 32; l++) {
        int q = (data[ql + l] & 0x0f) + (five && (data[qh + l] & u1) != 0 ? 16 : 0);
        out[y++] = d1 * q - m1;
      }
      for (int l = 0; l < 32; l++) {
        int q = ((data[ql + l] & 0xff) >>> 4) + (five && (data[qh + l] & u2) != 0 ? 16 : 0);
        out[y++] = d2 * q - m2;
      }
      ql += 32;
      u1 <<= 2;
      u2 <<= 2;
    }
  }

  /** GGML's get_scale_min_k4, the scale half. */
  private static int scale(byte[] data, int q, int j) {
    return j < 4
        ? data[q + j] & 63
        : (data[q + j + 4] & 0x0f) | (((data[q + j - 4] & 0xff) >>> 6) << 4);
  }

  /** GGML's get_scale_min_k4, the min half. */
  private static int mins(byte[] data, int q, int j) {
    return j < 4
        ? data[q + j + 4] & 63
        : ((data[q + j + 4] & 0xff) >>> 4) | (((data[q + j] & 0xff) >>> 6) << 4);
  }

  /** Q6_K: 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 int8 scales, fp16 d. */
  private static void dequantizeQ6K(byte[] data, ByteBuffer in, int base, float[] out, int at) {
    float d = HalfFloats.halfToFloat(in.getShort(base + 208));
    int ql = base;
    int qh = base + 128;
    int sc = base + 192;
    int y = at;
    for (int n = 0; n < QK_K; n += 128) {
      for (int l = 0; l < 32; l++) {
        int is = l / 16;
        int h = data[qh + l] & 0xff;
        int q1 = ((data[ql + l] & 0x0f) | ((h & 3) << 4)) - 32;
        int q2 = ((data[ql + l + 32] & 0x0f) | (((h >>> 2) & 3) << 4)) - 32;
        int q3 = (((data[ql + l] & 0xff) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
        int q4 = (((data[ql + l + 32] & 0xff) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
        out[y + l] = d * data[sc + is] * q1;
        out[y + l + 32] = d * data[sc + is + 2] * q2;
        out[y + l + 64] = d * data[sc + is + 4] * q3;
        out[y + l + 96] = d * data[sc + is + 6] * q4;
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }

  /**
   * Q8_0 or Q4_0 data of a {@code [n, k]} matrix as MatMulNBits blocks of 32 with the same values:
   * Q8_0's int8 q becomes the uint8 q + 128 with zero point 128; Q4_0's nibbles (low nibbles hold
   * elements 0-15, high nibbles 16-31) are reordered so that the low nibble holds the even element,
   * zero point 8. Scales are the fp16 block scales, widened exactly.
   */
  static ExactBlocks toMatMulNBits(GgmlType type, byte[] data, int n, int k) {
    ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    int blocks = n * (k / QK);
    float[] scales = new float[blocks];
    if (type == GgmlType.Q8_0) {
      byte[] packed = new byte[blocks * QK];
      byte[] zeroPoints = new byte[blocks];
      for (int b = 0; b < blocks; b++) {
        int base = b * type.blockBytes;
        scales[b] = HalfFloats.halfToFloat(in.getShort(base));
        for (int j = 0; j < QK; j++) {
          packed[b * QK + j] = (byte) (data[base + 2 + j] + 128);
        }
        zeroPoints[b] = (byte) 128;
      }
      return new ExactBlocks("Q8_0", n, k, 8, QK, packed, scales, zeroPoints);
    }
    if (type == GgmlType.Q4_0) {
      byte[] packed = new byte[blocks * QK / 2];
      for (int b = 0; b < blocks; b++) {
        int base = b * type.blockBytes;
        scales[b] = HalfFloats.halfToFloat(in.getShort(base));
        for (int i = 0; i < QK / 2; i++) {
          packed[b * QK / 2 + i] = (byte) (q4(data, base, 2 * i) | q4(data, base, 2 * i + 1) << 4);
        }
      }
      int blocksPerRow = k / QK;
      int zpPerRow = (blocksPerRow + 1) / 2;
      byte[] zeroPoints = new byte[n * zpPerRow];
      for (int row = 0; row < n; row++) {
        for (int b = 0; b < blocksPerRow; b++) {
          zeroPoints[row * zpPerRow + b / 2] |= (byte) ((b & 1) == 0 ? 8 : 8 << 4);
        }
      }
      return new ExactBlocks("Q4_0", n, k, 4, QK, packed, scales, zeroPoints);
    }
    throw new IllegalArgumentException(type + " has no exact MatMulNBits form");
  }

  /** The 4-bit code of element {@code e} (0..31) of the Q4_0 block at {@code base}. */
  private static int q4(byte[] data, int base, int e) {
    int b = data[base + 2 + (e % 16)] & 0xff;
    return e < 16 ? b & 0x0f : b >>> 4;
  }
}
