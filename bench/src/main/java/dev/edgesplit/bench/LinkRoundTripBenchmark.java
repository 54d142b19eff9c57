package dev.edgesplit.bench;

import dev.edgesplit.server.rpc.RawBytes;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: one round trip of a decode-sized frame (1152 bytes, 576 fp16 values) and an 8-byte reply
 * over a gRPC bidirectional stream on loopback, set up as the split sets up its session stream (the
 * client's callbacks on the transport thread, the server's on gRPC's executor), client and server
 * in this JVM. It is the floor under the split's per-token link cost on a machine, without
 * serialization of real messages or any compute. With {@code gapMicros} above 0 the stream first
 * idles that long, as it does while the two sides compute a token.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LinkRoundTripBenchmark {

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = RawBytes.MARSHALLER;

  private static final MethodDescriptor<byte[], byte[]> ECHO =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("edgesplit.bench.Link/Echo")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  @Param({"0", "5000"})
  public int gapMicros;

  @Param("1152")
  public int frameBytes;

  private Server server;
  private ManagedChannel channel;
  private StreamObserver<byte[]> requests;
  private final LinkedBlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
  private byte[] frame;

  @Setup(Level.Trial)
  public void start() throws IOException {
    byte[] reply = new byte[8];
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder("edgesplit.bench.Link")
            .addMethod(
                ECHO,
                ServerCalls.asyncBidiStreamingCall(
                    out ->
                        new StreamObserver<byte[]>() {
                          @Override
                          public void onNext(byte[] value) {
                            out.onNext(reply);
                          }

                          @Override
                          public void onError(Throwable t) {}

                          @Override
                          public void onCompleted() {
                            out.onCompleted();
                          }
                        }))
            .build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(echo)
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(ECHO, CallOptions.DEFAULT.withExecutor(Runnable::run)),
            new StreamObserver<byte[]>() {
              @Override
              public void onNext(byte[] value) {
                replies.add(value);
              }

              @Override
              public void onError(Throwable t) {
                replies.add(new byte[0]);
              }

              @Override
              public void onCompleted() {}
            });
    frame = new byte[frameBytes];
  }

  @Setup(Level.Invocation)
  public void idle() {
    if (gapMicros > 0) {
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(gapMicros));
    }
  }

  @Benchmark
  public byte[] roundTrip() throws InterruptedException {
    requests.onNext(frame);
    byte[] reply = replies.take();
    if (reply.length == 0) {
      throw new IllegalStateException("the echo stream failed");
    }
    return reply;
  }

  @TearDown(Level.Trial)
  public void stop() throws InterruptedException {
    requests.onCompleted();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
