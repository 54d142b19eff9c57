package dev.edgesplit.cloud.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.compute.InlineStepExecutor;
import dev.edgesplit.cloud.metrics.CloudStepListener;
import dev.edgesplit.cloud.session.SessionRegistry;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.FramePhase;
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
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The wire tests' cloud: {@link CloudServiceImpl} on {@link FakeCompute} over an in-process
 * channel, with inline steps and a clock the test moves ({@link #now}, nanoseconds). Closing it
 * fails the test when a KV cache leaked.
 */
final class InProcessCloud implements AutoCloseable {

  final FakeCompute compute = new FakeCompute();
  final AtomicLong now = new AtomicLong();
  final SessionRegistry registry;
  private final InlineStepExecutor steps;
  private final Server server;
  private final ManagedChannel channel;

  /**
   * @param maxSessions sessions the KV budget holds
   * @param maxFramePositions positions a frame may carry
   */
  InProcessCloud(int maxSessions, int maxFramePositions) throws IOException {
    registry =
        new SessionRegistry(
            compute,
            new EngineSamplerFactory(),
            FakeCompute.KV_BYTES * maxSessions,
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
                    WireLimits.forModel(FakeCompute.DIM, maxFramePositions, 1024),
                    Clock.systemUTC(),
                    now::get,
                    CloudStepListener.NONE))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** A blocking stub with a 5 s deadline. */
  CloudServiceGrpc.CloudServiceBlockingStub stub() {
    return CloudServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  /** A new Session stream. */
  Stream stream() {
    return new Stream();
  }

  static SessionFrame frame(
      String id, int start, HiddenTensor hidden, FramePhase phase, boolean last) {
    return SessionFrame.newBuilder()
        .setSessionId(id)
        .setStartPosition(start)
        .setHidden(hidden)
        .setPhase(phase)
        .setLast(last)
        .build();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    steps.close();
    registry.close();
    assertThat(compute.openStates.get()).as("KV caches leaked").isZero();
  }

  /** One Session stream driven synchronously. */
  final class Stream {
    private final LinkedBlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    private final StreamObserver<SessionFrame> requests;

    private Stream() {
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

    void cancel() {
      requests.onError(Status.CANCELLED.asRuntimeException());
    }
  }
}
