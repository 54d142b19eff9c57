package dev.edgesplit.server.error;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

class StatusMappingTest {

  /** An app's own exception type, mapped by the app's table. */
  static final class AppException extends RuntimeException {
    AppException(String message) {
      super(message);
    }
  }

  private static final Function<Throwable, Status> APP =
      t -> t instanceof AppException ? Status.NOT_FOUND : null;

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(new AppException("gone"), Status.Code.NOT_FOUND),
        Arguments.of(new RejectedExecutionException("queue full"), Status.Code.RESOURCE_EXHAUSTED),
        Arguments.of(new TimeoutException("slow"), Status.Code.DEADLINE_EXCEEDED),
        Arguments.of(new CancellationException("client left"), Status.Code.CANCELLED),
        Arguments.of(
            Status.ABORTED.withDescription("peer").asRuntimeException(), Status.Code.ABORTED),
        Arguments.of(
            Status.UNAUTHENTICATED.withDescription("who").asException(),
            Status.Code.UNAUTHENTICATED),
        Arguments.of(new IllegalStateException("secret detail"), Status.Code.INTERNAL));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("table")
  void mapsByType_withADescription(Throwable failure, Status.Code code) {
    Status status =
        StatusMapping.toStatus(failure, APP, LoggerFactory.getLogger(StatusMappingTest.class));
    assertThat(status.getCode()).isEqualTo(code);
    assertThat(status.getDescription()).isNotBlank();
    if (code == Status.Code.INTERNAL) {
      assertThat(status.getDescription())
          .doesNotContain("secret detail")
          .contains("IllegalStateException");
    } else if (!(failure instanceof io.grpc.StatusRuntimeException
        || failure instanceof io.grpc.StatusException)) {
      assertThat(status.getDescription()).isEqualTo(failure.getMessage());
    }
  }

  @Test
  void appTable_winsOverTheCommonOne() {
    Function<Throwable, Status> app =
        t -> t instanceof TimeoutException ? Status.UNAVAILABLE : null;
    assertThat(
            StatusMapping.toStatus(
                    new TimeoutException("t"), app, LoggerFactory.getLogger(getClass()))
                .getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void unwrap_removesCompletionAndExecutionWrappers_only() {
    AppException cause = new AppException("inner");
    assertThat(StatusMapping.unwrap(new CompletionException(new ExecutionException(cause))))
        .isSameAs(cause);
    RuntimeException plain = new RuntimeException(cause);
    assertThat(StatusMapping.unwrap(plain)).isSameAs(plain);
    CompletionException empty = new CompletionException("no cause", null);
    assertThat(StatusMapping.unwrap(empty)).isSameAs(empty);
  }
}
