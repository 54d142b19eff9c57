package dev.edgesplit.cloud.rpc;

import static dev.edgesplit.cloud.rpc.InProcessCloud.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.rpc.InProcessCloud.Stream;
import dev.edgesplit.proto.Protocol;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.DraftDistribution;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Speculative window frames on CloudService with the fake model (row of value v samples token
 * round(8 v) mod 32): negotiation, verification (the longest agreeing prefix plus one own token,
 * rejected rows never run) and every check of a window frame, each failing only its own stream.
 */
class WindowFrameTest {

  private static final int MAX_FRAME_POSITIONS = 8;
  private InProcessCloud cloud;

  @BeforeEach
  void start() throws Exception {
    cloud = new InProcessCloud(4, MAX_FRAME_POSITIONS);
  }

  @AfterEach
  void stop() throws Exception {
    cloud.close();
  }

  @Test
  void handshake_offersWindows_onlyToEdgesThatAsk() {
    assertThat(hello(0).getMaxWindowDrafts()).as("an edge that does not speculate").isZero();
    assertThat(hello(3).getMaxWindowDrafts()).isEqualTo(3);
    assertThat(hello(100).getMaxWindowDrafts())
        .as("one row less than a frame")
        .isEqualTo(MAX_FRAME_POSITIONS - 1);
  }

  @Test
  void window_keepsTheAgreeingDrafts_plusOneOwnToken_andNeverRunsRejectedRows() throws Exception {
    Stream s = cloud.stream();
    s.send(frame("a", 0, rows(1f), FramePhase.FRAME_PHASE_PREFILL, true));
    int before = cloud.compute.forwards.get();
    // Rows 1, 2, 3, 4 sample 8, 16, 24, 0; drafts 8 (right), 16 (right), 5 (wrong), 0.
    SessionReply r = s.send(window("a", 1, rows(1f, 2f, 3f, 4f), List.of(8, 16, 5)));
    assertThat(r.getWindowTokensList()).containsExactly(8, 16, 24);
    assertThat(r.getTokenId()).isEqualTo(24);
    assertThat(r.getPosition()).isEqualTo(4);
    assertThat(cloud.compute.forwards.get() - before).as("rows run").isEqualTo(3);
    // Every draft right: the worker adds the token after the last one.
    r = s.send(window("a", 4, rows(1f, 2f, 3f), List.of(8, 16)));
    assertThat(r.getWindowTokensList()).containsExactly(8, 16, 24);
    assertThat(r.getPosition()).isEqualTo(7);
    s.complete();
  }

  @Test
  void badWindows_areInvalidArgument_andOtherSessionsKeepGoing() throws Exception {
    Stream good = cloud.stream();
    good.send(frame("good", 0, rows(1f), FramePhase.FRAME_PHASE_PREFILL, true));
    int position = 1;
    List<UnaryOperator<SessionFrame.Builder>> bad =
        List.of(
            f -> f.setStartPosition(3), // a gap after the session's position
            f -> f.setStartPosition(0), // overlapping positions it holds
            f -> f.clearDraftTokens(), // no drafts
            f -> f.addDraftTokens(1), // more drafts than rows
            f -> f.setDraftTokens(0, FakeCompute.VOCAB), // outside the vocabulary
            f -> f.setDraftTokens(0, -1), // uint32 2^32 - 1
            f -> f.setLast(false),
            f ->
                f.addDraftDistributions(
                    DraftDistribution.newBuilder().addTokenIds(8).addProbs(1f)), // one of two
            f ->
                f.addDraftDistributions(DraftDistribution.newBuilder().addTokenIds(3).addProbs(1f))
                    .addDraftDistributions(
                        DraftDistribution.newBuilder()
                            .addTokenIds(16)
                            .addProbs(1f)), // draft not in q
            f ->
                f.addDraftDistributions(
                        DraftDistribution.newBuilder()
                            .addTokenIds(8)
                            .addTokenIds(9)
                            .addProbs(0.9f)
                            .addProbs(0.9f))
                    .addDraftDistributions(
                        DraftDistribution.newBuilder().addTokenIds(16).addProbs(1f)),
            f -> f.setPhase(FramePhase.FRAME_PHASE_DECODE)); // drafts on a decode frame
    for (UnaryOperator<SessionFrame.Builder> change : bad) {
      Stream s = cloud.stream();
      s.send(frame("s", 0, rows(1f), FramePhase.FRAME_PHASE_PREFILL, true));
      SessionFrame f =
          change.apply(window("s", 1, rows(1f, 2f, 3f), List.of(8, 16)).toBuilder()).build();
      StatusRuntimeException e = s.sendExpectingError(f);
      assertThat(e.getStatus().getCode()).as(f.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      SessionReply r =
          good.send(frame("good", position, rows(2f), FramePhase.FRAME_PHASE_DECODE, true));
      position++;
      assertThat(r.getTokenId()).isEqualTo(16);
    }
    // Too many rows for a frame: the tensor check refuses it before the window check.
    Stream s = cloud.stream();
    s.send(frame("t", 0, rows(1f), FramePhase.FRAME_PHASE_PREFILL, true));
    float[] nine = new float[MAX_FRAME_POSITIONS + 1];
    StatusRuntimeException e =
        s.sendExpectingError(window("t", 1, rows(nine), List.of(0, 0, 0, 0, 0, 0, 0, 0)));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    good.complete();
  }

  @Test
  void uShapedWindows_carryingDraftsOrBadlyShaped_areInvalidArgument() throws Exception {
    // A U-shaped session's window (it names return_cut) holds hidden rows only: the worker must
    // never hold a token id.
    SessionFrame u =
        frame("u", 0, rows(1f, 2f), FramePhase.FRAME_PHASE_WINDOW, true).toBuilder()
            .setCut(2)
            .setReturnCut(3)
            .build();
    List<UnaryOperator<SessionFrame.Builder>> bad =
        List.of(
            f -> f.addDraftTokens(8),
            f ->
                f.addDraftDistributions(DraftDistribution.newBuilder().addTokenIds(8).addProbs(1f)),
            f -> f.setLast(false));
    for (UnaryOperator<SessionFrame.Builder> change : bad) {
      SessionFrame f = change.apply(u.toBuilder()).build();
      StatusRuntimeException e = cloud.stream().sendExpectingError(f);
      assertThat(e.getStatus().getCode()).as(f.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    StatusRuntimeException e =
        cloud.stream().sendExpectingError(u.toBuilder().addDraftTokens(8).build());
    assertThat(e.getStatus().getDescription()).contains("hidden states only");
    // A plain session's window without drafts is refused too: its worker verifies.
    Stream s = cloud.stream();
    s.send(frame("p", 0, rows(1f), FramePhase.FRAME_PHASE_PREFILL, true));
    e =
        s.sendExpectingError(
            frame("p", 1, rows(1f), FramePhase.FRAME_PHASE_WINDOW, true).toBuilder()
                .setReturnCut(3)
                .build());
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("need draft tokens");
  }

  private dev.edgesplit.proto.v1.HandshakeResponse hello(int window) {
    return cloud
        .stub()
        .handshake(
            HandshakeRequest.newBuilder()
                .setProtocolVersion(Protocol.VERSION)
                .setModelFingerprint("abc123")
                .setCut(2)
                .setHiddenDtype(DType.DTYPE_FP16)
                .setMaxContext(FakeCompute.CONTEXT)
                .setMaxWindowDrafts(window)
                .build());
  }

  private static HiddenTensor rows(float... values) {
    float[] v = new float[values.length * FakeCompute.DIM];
    for (int r = 0; r < values.length; r++) {
      for (int i = 0; i < FakeCompute.DIM; i++) {
        v[r * FakeCompute.DIM + i] = values[r];
      }
    }
    return HiddenCodec.encode(v, 0, values.length, FakeCompute.DIM, DType.DTYPE_FP32);
  }

  private static SessionFrame window(
      String id, int start, HiddenTensor hidden, List<Integer> drafts) {
    return frame(id, start, hidden, FramePhase.FRAME_PHASE_WINDOW, true).toBuilder()
        .addAllDraftTokens(drafts)
        .build();
  }
}
