package dev.edgesplit.edge.link;

import com.google.protobuf.ByteString;
import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.planner.link.TransferSample;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.ProbeRequest;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Times {@code CloudService.Probe} round trips with payloads the size of real activations (one
 * decode row of h_cut, a short and a longer prefill), for {@link
 * dev.edgesplit.planner.link.LinkEstimator#calibrate}. Each call has a deadline. Takes a {@link
 * Channel}; the caller owns it. Thread-safe.
 */
public final class LinkProber {

  static final int WARM_UP_CALLS = 200;
  static final Duration WARM_UP = Duration.ofSeconds(1);
  static final Duration IDLE = Duration.ofMillis(500);
  static final Duration DECODE_GAP = Duration.ofMillis(20);

  private final Channel channel;
  private final Duration timeout;

  public LinkProber(Channel channel, Duration timeout) {
    this.channel = channel;
    this.timeout = timeout;
  }

  /**
   * Payload sizes for a model of width {@code dim} with {@code bytesPerElement} on the wire: 1, 16
   * and 128 rows (a decode step and two prefills), capped at {@code maxProbeBytes}.
   */
  public static List<Integer> activationSizes(int dim, int bytesPerElement, int maxProbeBytes) {
    TreeSet<Integer> sizes = new TreeSet<>();
    for (int rows : new int[] {1, 16, 128}) {
      sizes.add((int) Math.min((long) rows * dim * bytesPerElement, maxProbeBytes));
    }
    if (sizes.size() < 2) {
      sizes.add(Math.max(1, maxProbeBytes / 2));
    }
    return List.copyOf(sizes);
  }

  /**
   * {@code repeats} timed round trips per size, after untimed calls that warm the connection and
   * this process's gRPC code (up to {@link #WARM_UP_CALLS} or {@link #WARM_UP}, whichever ends
   * first: a cold JVM adds a millisecond or more to each call). The larger sizes go back to back
   * (they measure bandwidth); then, after {@link #IDLE} without traffic, the smallest (decode-size)
   * frames go one per {@link #DECODE_GAP}, the way a generation sends them. Sent back to back
   * instead, they would find a token-bucket shaper emptied by the frames before them and wait for
   * tokens that a generation, one small frame per token, never waits for.
   *
   * @throws CloudLinkException when a probe fails
   */
  public List<TransferSample> probe(List<Integer> sizes, int repeats) {
    List<Integer> sorted = sizes.stream().sorted().toList();
    byte[] decode = new byte[sorted.isEmpty() ? 0 : sorted.get(0)];
    long warmUntil = System.nanoTime() + WARM_UP.toNanos();
    for (int i = 0; i < WARM_UP_CALLS && (i == 0 || System.nanoTime() - warmUntil < 0); i++) {
      call(decode);
    }
    List<TransferSample> samples = new ArrayList<>();
    for (int size : sorted.subList(Math.min(1, sorted.size()), sorted.size())) {
      byte[] payload = new byte[size];
      for (int r = 0; r < repeats; r++) {
        samples.add(timed(payload));
      }
    }
    if (!sorted.isEmpty()) {
      pause(IDLE);
      for (int r = 0; r < repeats; r++) {
        samples.add(timed(decode));
        pause(DECODE_GAP);
      }
    }
    return samples;
  }

  private TransferSample timed(byte[] payload) {
    long t0 = System.nanoTime();
    call(payload);
    return new TransferSample(payload.length, (System.nanoTime() - t0) / 1e9);
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CloudLinkException("probe", Status.CANCELLED.withDescription("interrupted"));
    }
  }

  private void call(byte[] payload) {
    try {
      CloudServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .probe(
              ProbeRequest.newBuilder()
                  .setPayload(ByteString.copyFrom(payload))
                  .setClientSendNanos(System.nanoTime())
                  .build());
    } catch (StatusRuntimeException e) {
      throw new CloudLinkException("probe", e.getStatus());
    }
  }
}
