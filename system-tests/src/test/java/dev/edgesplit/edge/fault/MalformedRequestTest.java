package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.server.rpc.RawBytes;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Bytes that are not a GenerateRequest, sent with a raw gRPC call to a real edge agent over
 * loopback: each gets INVALID_ARGUMENT with a short reason, a thousand of them add at most a few
 * log lines, and the agent goes on serving.
 */
class MalformedRequestTest {

  /**
   * Field 1 (text, length-delimited) holding 0xC3 0x28: a UTF-8 lead byte followed by no
   * continuation byte.
   */
  static final byte[] INVALID_UTF8 = {0x0a, 0x02, (byte) 0xc3, 0x28};

  /** A tag whose varint never ends. */
  static final byte[] GARBAGE = {
    (byte) 0xff,
    (byte) 0xff,
    (byte) 0xff,
    (byte) 0xff,
    (byte) 0xff,
    (byte) 0xff,
    (byte) 0xff,
    (byte) 0xff,
    (byte) 0xff,
    (byte) 0xff,
    (byte) 0xff
  };

  static final MethodDescriptor<byte[], byte[]> RAW_GENERATE =
      EdgeServiceGrpc.getGenerateMethod().toBuilder(RawBytes.MARSHALLER, RawBytes.MARSHALLER)
          .build();

  @Test
  void malformedRequests_getInvalidArgument_withAShortReason() throws Exception {
    try (LoopbackAgent edge =
        LoopbackAgent.at(2)
            .clouds(List.of(LoopbackWorker.deadPort()))
            .config(Map.of("cloud.fallback", "local"))
            .start()) {
      assertThat(refusal(edge, INVALID_UTF8))
          .contains("malformed edgesplit.v1.EdgeService/Generate request")
          .contains("UTF-8");
      assertThat(refusal(edge, GARBAGE)).contains("malformed").contains("varint");
      assertThat(refusal(edge, truncated())).contains("malformed");
      assertThat(refusal(edge, truncated())).hasSizeLessThan(300);
    }
  }

  @Test
  void aThousandMalformedRequests_addAtMostAFewLogLines_andTheAgentKeepsServing() throws Exception {
    try (LoopbackAgent edge =
            LoopbackAgent.at(2)
                .clouds(List.of(LoopbackWorker.deadPort()))
                .config(Map.of("cloud.fallback", "local"))
                .start();
        LogLines log = new LogLines(true)) {
      byte[][] kinds = {INVALID_UTF8, GARBAGE, truncated()};
      for (int i = 0; i < 1000; i++) {
        refusal(edge, kinds[i % kinds.length]);
      }
      List<String> lines = log.lines();
      assertThat(lines).as("log lines for 1,000 malformed requests").hasSizeLessThanOrEqualTo(3);
      assertThat(String.join("\n", lines)).doesNotContain("SEVERE").doesNotContain("Exception");

      Generated r = edge.generate(t -> {});
      assertThat(CompiledStories.PROMPT + r.text()).isEqualTo(CompiledStories.REFERENCE);
    }
  }

  /** A valid request cut short inside its text field. */
  private static byte[] truncated() {
    byte[] whole = CompiledStories.referenceRequest().toByteArray();
    return Arrays.copyOf(whole, 5);
  }

  /** Sends {@code bytes} as the Generate request; returns the INVALID_ARGUMENT description. */
  static String refusal(LoopbackAgent edge, byte[] bytes) {
    String[] description = new String[1];
    assertThatThrownBy(
            () -> {
              Iterator<byte[]> it =
                  ClientCalls.blockingServerStreamingCall(
                      edge.client(),
                      RAW_GENERATE,
                      CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                      bytes);
              it.forEachRemaining(b -> {});
            })
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              description[0] = e.getStatus().getDescription();
            });
    return description[0];
  }
}
