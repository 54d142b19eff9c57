package dev.edgesplit.cloud.rpc;

import static dev.edgesplit.cloud.rpc.InProcessCloud.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.edgesplit.cloud.rpc.InProcessCloud.Stream;
import dev.edgesplit.proto.Protocol;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.proto.v1.HandshakeResponse;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.ProbeRequest;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CloudService over an in-process channel with a fake model: every wire check and its status. */
class CloudServiceTest {

  private static final int MAX_SESSIONS = 3;
  private InProcessCloud cloud;

  @BeforeEach
  void start() throws Exception {
    cloud = new InProcessCloud(MAX_SESSIONS, 4);
  }

  @AfterEach
  void stop() throws Exception {
    cloud.close();
  }

  @Test
  void handshake_returnsLimits_whenEverythingMatches() {
    HandshakeResponse r = cloud.stub().handshake(hello(UnaryOperator.identity()));
    assertThat(r.getHiddenDim()).isEqualTo(FakeCompute.DIM);
    assertThat(r.getMaxContext()).isEqualTo(FakeCompute.CONTEXT);
    assertThat(r.getMaxFramePositions()).isEqualTo(4);
    assertThat(r.getKvBytesPerSession()).isEqualTo(FakeCompute.KV_BYTES);
    assertThat(r.getAcceptedDtypesList()).contains(DType.DTYPE_FP16, DType.DTYPE_INT8);
  }

  @Test
  void handshake_failsWithFailedPrecondition_onEachMismatch() {
    assertHandshakeRefused(
        b -> b.setProtocolVersion(Protocol.VERSION + 1),
        "protocol version " + (Protocol.VERSION + 1));
    assertHandshakeRefused(b -> b.setModelFingerprint("def"), "fingerprint def");
    assertHandshakeRefused(b -> b.setCut(3), "cut 3");
    assertHandshakeRefused(b -> b.setHiddenDtype(DType.DTYPE_UNSPECIFIED), "dtype");
    assertHandshakeRefused(b -> b.setMaxContext(FakeCompute.CONTEXT + 1), "context of 17");
  }

  @Test
  void session_prefillThenDecode_repliesWithTokensAndPositions() throws Exception {
    Stream s = cloud.stream();
    SessionReply r1 =
        s.send(
            frame("a", 0, rows(3, 2f), FramePhase.FRAME_PHASE_PREFILL, true).toBuilder()
                .setSampling(SamplingParams.newBuilder().setLogprobs(true))
                .build());
    assertThat(r1.getHasToken()).isTrue();
    assertThat(r1.getTokenId()).isEqualTo(16); // last row sums to 8 x 2
    assertThat(r1.getPosition()).isEqualTo(3);
    assertThat(r1.hasLogprob()).isTrue();
    assertThat(r1.getLogprob()).isBetween(-0.01f, 0f);
    assertThat(r1.getCloudEnergySource().getKind()).isEqualTo("none");
    SessionReply r2 = s.send(frame("a", 3, rows(1, 0.5f), FramePhase.FRAME_PHASE_DECODE, true));
    assertThat(r2.getTokenId()).isEqualTo(4);
    assertThat(r2.getPosition()).isEqualTo(4);
    s.complete();
    await().until(() -> cloud.registry.activeSessions() == 0);
  }

  @Test
  void session_chunkedPrefill_samplesOnlyOnTheLastChunk() throws Exception {
    Stream s = cloud.stream();
    SessionReply first = s.send(frame("a", 0, rows(4, 1f), FramePhase.FRAME_PHASE_PREFILL, false));
    assertThat(first.getHasToken()).isFalse();
    SessionReply last = s.send(frame("a", 4, rows(2, 1f), FramePhase.FRAME_PHASE_PREFILL, true));
    assertThat(last.hasLogprob()).as("logprobs were not asked for").isFalse();
    assertThat(last.getHasToken()).isTrue();
    assertThat(last.getPosition()).isEqualTo(6);
    s.complete();
  }

  @Test
  void session_rejectsEachMalformedFrame_beforeTheModel_andKeepsServingOthers() throws Exception {
    Stream healthy = cloud.stream();
    healthy.send(frame("ok", 0, rows(2, 1f), FramePhase.FRAME_PHASE_PREFILL, true));
    HiddenTensor good = rows(1, 1f);
    assertRejected(
        f -> f.setHidden(good.toBuilder().setShape(1, 4)), Status.Code.INVALID_ARGUMENT, "d = 4");
    assertRejected(
        f -> f.setHidden(good.toBuilder().clearShape().addShape(8)),
        Status.Code.INVALID_ARGUMENT,
        "[S, d]");
    assertRejected(
        f -> f.setHidden(good.toBuilder().setDtype(DType.DTYPE_UNSPECIFIED)),
        Status.Code.INVALID_ARGUMENT,
        "unknown hidden dtype");
    assertRejected(
        f -> f.setHidden(good.toBuilder().setData(good.getData().substring(4))),
        Status.Code.INVALID_ARGUMENT,
        "needs 32 bytes, got 28");
    float[] nan = new float[FakeCompute.DIM];
    nan[5] = Float.NaN;
    assertRejected(
        f -> f.setHidden(HiddenCodec.encode(nan, 0, 1, FakeCompute.DIM, DType.DTYPE_FP32)),
        Status.Code.INVALID_ARGUMENT,
        "is NaN");
    assertRejected(
        f -> f.setHidden(rows(5, 1f)), Status.Code.INVALID_ARGUMENT, "at most 4 per frame");
    assertRejected(
        f -> f.setStartPosition(FakeCompute.CONTEXT),
        Status.Code.OUT_OF_RANGE,
        "exceed the context");
    assertRejected(f -> f.setStartPosition(3), Status.Code.NOT_FOUND, "no open session");
    assertRejected(f -> f.setSessionId(""), Status.Code.INVALID_ARGUMENT, "session_id");
    assertRejected(
        f -> f.setPhase(FramePhase.FRAME_PHASE_UNSPECIFIED), Status.Code.INVALID_ARGUMENT, "phase");
    assertRejected(
        f -> f.setPhase(FramePhase.FRAME_PHASE_DECODE).setHidden(rows(2, 1f)),
        Status.Code.INVALID_ARGUMENT,
        "exactly one position");
    assertRejected(
        f -> f.setSampling(SamplingParams.newBuilder().setTemperature(Float.NaN)),
        Status.Code.INVALID_ARGUMENT,
        "temperature");
    assertRejected(f -> f.clearHidden(), Status.Code.INVALID_ARGUMENT, "no hidden tensor");
    assertThat(cloud.compute.forwards.get())
        .as("rejected frames must not reach the model")
        .isEqualTo(1);

    SessionReply still =
        healthy.send(frame("ok", 2, rows(1, 1f), FramePhase.FRAME_PHASE_DECODE, true));
    assertThat(still.getPosition()).isEqualTo(3);
    healthy.complete();
  }

  @Test
  void session_rejectsPositionMismatch_andFreesTheStreamsSessions() throws Exception {
    Stream s = cloud.stream();
    s.send(frame("a", 0, rows(2, 1f), FramePhase.FRAME_PHASE_PREFILL, true));
    assertThat(cloud.registry.activeSessions()).isEqualTo(1);
    StatusRuntimeException e =
        s.sendExpectingError(frame("a", 5, rows(1, 1f), FramePhase.FRAME_PHASE_DECODE, true));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .contains("holds 2 positions but the frame starts at 5");
    await().until(() -> cloud.registry.activeSessions() == 0);
  }

  @Test
  void session_failsWithResourceExhausted_whenKvBudgetFull() throws Exception {
    Stream[] held = new Stream[MAX_SESSIONS];
    for (int i = 0; i < MAX_SESSIONS; i++) {
      held[i] = cloud.stream();
      held[i].send(frame("s" + i, 0, rows(1, 1f), FramePhase.FRAME_PHASE_PREFILL, true));
    }
    StatusRuntimeException e =
        cloud.stream()
            .sendExpectingError(
                frame("extra", 0, rows(1, 1f), FramePhase.FRAME_PHASE_PREFILL, true));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).contains("KV-cache budget full");
    held[0].cancel();
    await().until(() -> cloud.registry.activeSessions() == MAX_SESSIONS - 1);
    Stream again = cloud.stream();
    assertThat(
            again
                .send(frame("again", 0, rows(1, 1f), FramePhase.FRAME_PHASE_PREFILL, true))
                .getHasToken())
        .isTrue();
    again.complete();
    for (int i = 1; i < MAX_SESSIONS; i++) {
      held[i].complete();
    }
  }

  @Test
  void session_closeFlag_freesTheSession() throws Exception {
    Stream s = cloud.stream();
    SessionFrame f =
        frame("a", 0, rows(1, 1f), FramePhase.FRAME_PHASE_PREFILL, true).toBuilder()
            .setClose(true)
            .build();
    assertThat(s.send(f).getHasToken()).isTrue();
    await().until(() -> cloud.registry.activeSessions() == 0);
    StatusRuntimeException e =
        s.sendExpectingError(frame("a", 1, rows(1, 1f), FramePhase.FRAME_PHASE_DECODE, true));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void idleSessions_areReapedAfterTheTtl_andThenNotFound() throws Exception {
    Stream s = cloud.stream();
    s.send(frame("a", 0, rows(1, 1f), FramePhase.FRAME_PHASE_PREFILL, true));
    cloud.now.addAndGet(Duration.ofSeconds(29).toNanos());
    assertThat(cloud.registry.reapIdle()).isZero();
    cloud.now.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(cloud.registry.reapIdle()).isEqualTo(1);
    assertThat(cloud.compute.openStates.get()).isZero();
    StatusRuntimeException e =
        s.sendExpectingError(frame("a", 1, rows(1, 1f), FramePhase.FRAME_PHASE_DECODE, true));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(e.getStatus().getDescription()).contains("idle");
  }

  @Test
  void probe_echoesSizes_andRejectsOversizePayloads() {
    var r =
        cloud
            .stub()
            .probe(
                ProbeRequest.newBuilder()
                    .setPayload(ByteString.copyFrom(new byte[100]))
                    .setClientSendNanos(42)
                    .setReplyPaddingBytes(10)
                    .build());
    assertThat(r.getReceivedBytes()).isEqualTo(100);
    assertThat(r.getClientSendNanos()).isEqualTo(42);
    assertThat(r.getPadding().size()).isEqualTo(10);
    assertThat(r.getServerSendUnixMicros()).isGreaterThanOrEqualTo(r.getServerReceiveUnixMicros());
    assertThatThrownBy(
            () ->
                cloud.stub().probe(ProbeRequest.newBuilder().setReplyPaddingBytes(1 << 20).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  private void assertRejected(
      UnaryOperator<SessionFrame.Builder> change, Status.Code code, String message)
      throws Exception {
    SessionFrame base = frame("bad", 0, rows(1, 1f), FramePhase.FRAME_PHASE_PREFILL, true);
    StatusRuntimeException e =
        cloud.stream().sendExpectingError(change.apply(base.toBuilder()).build());
    assertThat(e.getStatus().getCode()).as(message).isEqualTo(code);
    assertThat(e.getStatus().getDescription()).contains(message);
  }

  private void assertHandshakeRefused(
      UnaryOperator<HandshakeRequest.Builder> change, String message) {
    assertThatThrownBy(() -> cloud.stub().handshake(hello(change)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  private static HandshakeRequest hello(UnaryOperator<HandshakeRequest.Builder> change) {
    return change
        .apply(
            HandshakeRequest.newBuilder()
                .setProtocolVersion(Protocol.VERSION)
                .setModelFingerprint("abc123")
                .setCut(2)
                .setHiddenDtype(DType.DTYPE_FP16)
                .setMaxContext(FakeCompute.CONTEXT))
        .build();
  }

  private static HiddenTensor rows(int n, float value) {
    float[] v = new float[n * FakeCompute.DIM];
    Arrays.fill(v, value);
    return HiddenCodec.encode(v, 0, n, FakeCompute.DIM, DType.DTYPE_FP32);
  }
}
