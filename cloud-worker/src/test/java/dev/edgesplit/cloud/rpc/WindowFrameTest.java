package dev.edgesplit.cloud.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.compute.InlineStepExecutor;
import dev.edgesplit.cloud.session.SessionRegistry;
import dev.edgesplit.proto.Protocol;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.DraftDistribution;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
  private final FakeCompute compute = new FakeCompute();
  private final AtomicLong now = new AtomicLong();
  private SessionRegistry registry;
  private InlineStepExecutor steps;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    registry =
        new SessionRegistry(
            compute,
            new EngineSamplerFactory(),
            FakeCompute.KV_BYTES * 4,
            100,
            Duration.ofSeconds(30),
            now::get);
    registry.start();
    steps = new InlineStepExecutor(2, 16, Duration.ofSeconds(1));
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new CloudServiceImpl(
                    compute,
                    registry,
                    steps,
                    StepEnergy.none(),
                    WireLimits.forModel(FakeCompute.DIM, MAX_FRAME_POSITIONS, 1024),
                    Clock.systemUTC(),
                    now::get))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    steps.close();
    registry.close();
    assertThat(compute.openStates.get()).as("KV caches leaked").isZero();
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
    Stream s = new Stream();
    s.send(frame("a", 0, rows(1f), FramePhase.FRAME_PHASE_PREFILL, true));
    int before = compute.forwards.get();
    // Rows 1, 2, 3, 4 sample 8, 16, 24, 0; drafts 8 (right), 16 (right), 5 (wrong), 0.
    SessionReply r = s.send(window("a", 1, rows(1f, 2f, 3f, 4f), List.of(8, 16, 5)));
    assertThat(r.getWindowTokensList()).containsExactly(8, 16, 24);
    assertThat(r.getTokenId()).isEqualTo(24);
    assertThat(r.getPosition()).isEqualTo(4);
    assertThat(compute.forwards.get() - before).as("rows run").isEqualTo(3);
    // Every draft right: the worker adds the token after the last one.
    r = s.send(window("a", 4, rows(1f, 2f, 3f), List.of(8, 16)));
    assertThat(r.getWindowTokensList()).containsExactly(8, 16, 24);
    assertThat(r.getPosition()).isEqualTo(7);
    s.complete();
  }

  @Test
  void badWindows_areInvalidArgument_andOtherSessionsKeepGoing() throws Exception {
    Stream good = new Stream();
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
      Stream s = new Stream();
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
    Stream s = new Stream();
    s.send(frame("t", 0, rows(1f), FramePhase.FRAME_PHASE_PREFILL, true));
    float[] nine = new float[MAX_FRAME_POSITIONS + 1];
    StatusRuntimeException e =
        s.sendExpectingError(window("t", 1, rows(nine), List.of(0, 0, 0, 0, 0, 0, 0, 0)));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    good.complete();
  }

  private dev.edgesplit.proto.v1.HandshakeResponse hello(int window) {
    return CloudServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
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

  private static SessionFrame frame(
      String id, int start, HiddenTensor hidden, FramePhase phase, boolean last) {
    return SessionFrame.newBuilder()
        .setSessionId(id)
        .setStartPosition(start)
        .setHidden(hidden)
        .setPhase(phase)
        .setLast(last)
        .build();
  }

  private static SessionFrame window(
      String id, int start, HiddenTensor hidden, List<Integer> drafts) {
    return frame(id, start, hidden, FramePhase.FRAME_PHASE_WINDOW, true).toBuilder()
        .addAllDraftTokens(drafts)
        .build();
  }

  /** One Session stream driven synchronously. */
  private final class Stream {
    private final LinkedBlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    private final StreamObserver<SessionFrame> requests;

    Stream() {
      requests =
          CloudServiceGrpc.newStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .session(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(SessionReply value) {
                      replies.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                      replies.add(t);
                    }

                    @Override
                    public void onCompleted() {
                      replies.add("completed");
                    }
                  });
    }

    SessionReply send(SessionFrame frame) throws InterruptedException {
      requests.onNext(frame);
      Object r = replies.poll(5, TimeUnit.SECONDS);
      assertThat(r).isInstanceOf(SessionReply.class);
      return (SessionReply) r;
    }

    StatusRuntimeException sendExpectingError(SessionFrame frame) throws InterruptedException {
      requests.onNext(frame);
      Object r = replies.poll(5, TimeUnit.SECONDS);
      assertThat(r).as(frame.toString()).isInstanceOf(StatusRuntimeException.class);
      return (StatusRuntimeException) r;
    }

    void complete() throws InterruptedException {
      requests.onCompleted();
      assertThat(replies.poll(5, TimeUnit.SECONDS)).isEqualTo("completed");
    }
  }
}
