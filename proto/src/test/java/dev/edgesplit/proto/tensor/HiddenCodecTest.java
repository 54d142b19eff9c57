package dev.edgesplit.proto.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.HiddenTensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HiddenCodecTest {

  private static float[] randomRows(int rows, int dim, long seed) {
    Random random = new Random(seed);
    float[] v = new float[rows * dim];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian() * 3f;
    }
    return v;
  }

  @Test
  void fp32_roundTripsExactly() {
    float[] v = randomRows(3, 8, 1);
    HiddenTensor t = HiddenCodec.encode(v, 0, 3, 8, DType.DTYPE_FP32);
    assertThat(t.getShapeList()).containsExactly(3, 8);
    assertThat(t.getData().size()).isEqualTo(3 * 8 * 4);
    assertThat(HiddenCodec.decode(t, 8, 16)).containsExactly(v);
  }

  @Test
  void encode_takesTheRequestedRowsOnly() {
    float[] v = randomRows(4, 8, 2);
    float[] decoded = HiddenCodec.decode(HiddenCodec.encode(v, 3, 1, 8, DType.DTYPE_FP32), 8, 1);
    assertThat(decoded).containsExactly(java.util.Arrays.copyOfRange(v, 24, 32));
  }

  @Test
  void aBufferView_encodesAsTheSameRowsOfAnArray_andKeepsItsPosition() {
    float[] v = randomRows(3, 8, 4);
    for (DType dtype : new DType[] {DType.DTYPE_FP32, DType.DTYPE_FP16, DType.DTYPE_INT8}) {
      java.nio.FloatBuffer view = java.nio.FloatBuffer.wrap(v).position(8);
      assertThat(HiddenCodec.encode(view, 2, 8, dtype))
          .isEqualTo(HiddenCodec.encode(v, 1, 2, 8, dtype));
      assertThat(view.position()).isEqualTo(8);
    }
    assertThatThrownBy(
            () ->
                HiddenCodec.encode(
                    java.nio.FloatBuffer.wrap(v).position(16), 2, 8, DType.DTYPE_FP32))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from 8 floats");
  }

  @Test
  void fp16_keepsRelativeErrorBelowHalfUlp() {
    float[] v = randomRows(2, 64, 3);
    float[] decoded = HiddenCodec.decode(HiddenCodec.encode(v, 0, 2, 64, DType.DTYPE_FP16), 64, 2);
    for (int i = 0; i < v.length; i++) {
      assertThat(decoded[i]).isCloseTo(v[i], within(Math.abs(v[i]) * 0x1p-11f + 0x1p-24f));
    }
  }

  @Test
  void int8_errorIsAtMostHalfAScalePerRow() {
    float[] v = randomRows(2, 64, 4);
    HiddenTensor t = HiddenCodec.encode(v, 0, 2, 64, DType.DTYPE_INT8);
    assertThat(t.getScaleCount()).isEqualTo(2);
    float[] decoded = HiddenCodec.decode(t, 64, 2);
    for (int i = 0; i < v.length; i++) {
      float scale = t.getScale(i / 64);
      assertThat(decoded[i]).isCloseTo(v[i], within(scale * 0.5001f));
    }
  }

  @Test
  void decode_rejectsEachMalformation() {
    HiddenTensor good = HiddenCodec.encode(randomRows(2, 8, 5), 0, 2, 8, DType.DTYPE_FP32);
    assertRejected(good.toBuilder().clearShape().addShape(16).build(), "shape [S, d]");
    assertRejected(good.toBuilder().setShape(0, 0).build(), "S = 0");
    assertRejected(good.toBuilder().setShape(1, 4).build(), "d = 4");
    assertRejected(
        good.toBuilder().setDtype(DType.DTYPE_UNSPECIFIED).build(), "unknown hidden dtype");
    assertRejected(good.toBuilder().setDtype(DType.DTYPE_FP16).build(), "needs 32 bytes, got 64");
    assertRejected(
        good.toBuilder().setData(good.getData().substring(1)).build(), "needs 64 bytes, got 63");
    assertRejected(good.toBuilder().addScale(1f).build(), "must not carry scales");
    assertThatThrownBy(() -> HiddenCodec.decode(good, 8, 1))
        .isInstanceOf(InvalidTensorException.class)
        .hasMessageContaining("at most 1 per frame");
    // Byte count overflows 32 bits: must be rejected, not wrapped.
    assertRejected(good.toBuilder().setShape(0, 0x7fffffff).build(), "at most");
  }

  @Test
  void decode_rejectsNanAndInfinity() {
    float[] v = randomRows(2, 8, 6);
    v[11] = Float.NaN;
    assertRejected(HiddenCodec.encode(v, 0, 2, 8, DType.DTYPE_FP32), "row 1, column 3 is NaN");
    v[11] = Float.POSITIVE_INFINITY;
    assertRejected(HiddenCodec.encode(v, 0, 2, 8, DType.DTYPE_FP16), "row 1, column 3 is Infinity");
  }

  @Test
  void decode_rejectsBadInt8Scales() {
    HiddenTensor good = HiddenCodec.encode(randomRows(2, 8, 7), 0, 2, 8, DType.DTYPE_INT8);
    assertRejected(
        good.toBuilder().clearScale().addScale(1f).build(), "one scale per row (2), got 1");
    assertRejected(good.toBuilder().setScale(1, 0f).build(), "row 1 must be positive");
    assertRejected(good.toBuilder().setScale(0, Float.NaN).build(), "row 0 must be positive");
    assertRejected(good.toBuilder().setScale(0, Float.MAX_VALUE).build(), "is Infinity");
  }

  @Test
  void int8_allZeroRow_getsAPositiveScale() {
    HiddenTensor t = HiddenCodec.encode(new float[8], 0, 1, 8, DType.DTYPE_INT8);
    assertThat(HiddenCodec.decode(t, 8, 1)).containsOnly(0f);
    assertThat(t.getData()).isEqualTo(ByteString.copyFrom(new byte[8]));
  }

  private static void assertRejected(HiddenTensor tensor, String message) {
    assertThatThrownBy(() -> HiddenCodec.decode(tensor, 8, 4))
        .isInstanceOf(InvalidTensorException.class)
        .hasMessageContaining(message);
  }
}
