package dev.edgesplit.cloud.error;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.proto.tensor.InvalidTensorException;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatusMapperTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(new InvalidFrameException("bad frame"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new InvalidTensorException("bad tensor"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new ContextOverflowException("too long"), Status.Code.OUT_OF_RANGE),
        Arguments.of(new SessionNotFoundException("who"), Status.Code.NOT_FOUND),
        Arguments.of(new CapacityExceededException("full"), Status.Code.RESOURCE_EXHAUSTED),
        Arguments.of(new RejectedExecutionException("full"), Status.Code.RESOURCE_EXHAUSTED),
        Arguments.of(new IncompatiblePlanException("other model"), Status.Code.FAILED_PRECONDITION),
        Arguments.of(new DrainingException("bye"), Status.Code.UNAVAILABLE),
        Arguments.of(
            new CompletionException(new SessionNotFoundException("wrapped")),
            Status.Code.NOT_FOUND),
        Arguments.of(
            Status.ABORTED.withDescription("peer aborted").asRuntimeException(),
            Status.Code.ABORTED),
        Arguments.of(new IllegalStateException("bug"), Status.Code.INTERNAL));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("table")
  void mapsExceptionTypeToStatus(Throwable failure, Status.Code code) {
    Status status = StatusMapper.toStatus(failure);
    assertThat(status.getCode()).isEqualTo(code);
    assertThat(status.getDescription()).isNotBlank();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void internalErrors_doNotLeakTheirMessage(Throwable failure, Status.Code code) {
    if (code == Status.Code.INTERNAL) {
      assertThat(StatusMapper.toStatus(failure).getDescription()).doesNotContain("bug");
    }
  }
}
