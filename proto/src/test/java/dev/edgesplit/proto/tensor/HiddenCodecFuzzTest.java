package dev.edgesplit.proto.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.HiddenTensor;

/**
 * Arbitrary bytes as a {@link HiddenTensor} on the wire: decoding either rejects it with {@link
 * InvalidTensorException} or yields exactly S x d finite floats that survive a re-encode. `mvn
 * test` replays the seeds in {@code HiddenCodecFuzzTestInputs}; FUZZING.md says how to fuzz for
 * real.
 */
class HiddenCodecFuzzTest {

  private static final int DIM = 8;
  private static final int MAX_ROWS = 16;

  @FuzzTest
  void decode_rejectsOrYieldsFiniteRows(byte[] wire) {
    HiddenTensor tensor;
    try {
      tensor = HiddenTensor.parseFrom(wire);
    } catch (InvalidProtocolBufferException e) {
      return; // gRPC refuses such a message before any application code runs
    }
    float[] values;
    try {
      values = HiddenCodec.decode(tensor, DIM, MAX_ROWS);
    } catch (InvalidTensorException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    int rows = tensor.getShape(0);
    assertThat(rows).isBetween(1, MAX_ROWS);
    assertThat(values).hasSize(rows * DIM);
    for (float v : values) {
      assertThat(Float.isFinite(v)).isTrue();
    }
    // What was accepted re-encodes (fp32: bit for bit) and decodes to the same values.
    if (tensor.getDtype() == DType.DTYPE_FP32) {
      HiddenTensor again = HiddenCodec.encode(values, 0, rows, DIM, DType.DTYPE_FP32);
      assertThat(HiddenCodec.decode(again, DIM, MAX_ROWS)).containsExactly(values);
    }
  }
}
