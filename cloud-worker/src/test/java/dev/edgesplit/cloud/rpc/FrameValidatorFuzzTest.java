package dev.edgesplit.cloud.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.edgesplit.cloud.compute.CloudModelInfo;
import dev.edgesplit.cloud.error.CloudException;
import dev.edgesplit.cloud.error.StatusMapper;
import dev.edgesplit.proto.tensor.InvalidTensorException;
import dev.edgesplit.proto.v1.SessionFrame;
import io.grpc.Status;

/**
 * Arbitrary bytes as a {@link SessionFrame}: the validator either refuses it with a typed exception
 * that maps to a client-error status (never INTERNAL), or hands on a frame whose tensor has S x d
 * finite values inside the context. Nothing else may escape: this is the last gate before ONNX
 * Runtime. `mvn test` replays the seeds in {@code FrameValidatorFuzzTestInputs}; FUZZING.md says
 * how to fuzz for real.
 */
class FrameValidatorFuzzTest {

  private static final CloudModelInfo INFO = new FakeCompute().info();
  private static final int MAX_FRAME_POSITIONS = 4;
  private static final FrameValidator VALIDATOR = new FrameValidator(INFO, MAX_FRAME_POSITIONS);

  @FuzzTest
  void validate_refusesWithClientErrorOrYieldsAFrameInsideTheContext(byte[] wire) {
    SessionFrame frame;
    try {
      frame = SessionFrame.parseFrom(wire);
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    ValidFrame valid;
    try {
      valid = VALIDATOR.validate(frame);
    } catch (CloudException | InvalidTensorException e) {
      Status.Code code = StatusMapper.toStatus(e).getCode();
      assertThat(code).isIn(Status.Code.INVALID_ARGUMENT, Status.Code.OUT_OF_RANGE);
      return;
    }
    assertThat(valid.sessionId())
        .isNotEmpty()
        .hasSizeLessThanOrEqualTo(FrameValidator.MAX_SESSION_ID_LENGTH);
    assertThat(valid.startPosition()).isNotNegative();
    if (valid.closeOnly()) {
      assertThat(frame.getClose()).isTrue();
      return;
    }
    assertThat(valid.seqLen()).isBetween(1, MAX_FRAME_POSITIONS);
    assertThat(valid.hidden()).hasSize(valid.seqLen() * INFO.dim());
    for (float v : valid.hidden()) {
      assertThat(Float.isFinite(v)).isTrue();
    }
    assertThat((long) valid.startPosition() + valid.seqLen())
        .isLessThanOrEqualTo(INFO.maxContext());
    assertThat(valid.sampling().temperature()).isNotNegative();
  }
}
