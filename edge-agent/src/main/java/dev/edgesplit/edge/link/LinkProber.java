package dev.edgesplit.edge.link;

import com.google.protobuf.ByteString;
import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.engine.link.TransferSample;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.ProbeRequest;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Times {@code CloudService.Probe} round trips with payloads the size of real activations (one decode row of
 * h_cut, a short and a longer prefill), for {@link dev.edgesplit.engine.link.LinkEstimator#calibrate}. Each call
 * has a deadline. Takes a {@link Channel}; the caller owns it. Thread-safe.
 */
public final class LinkProber {

  static final int WARM_UP_CALLS = 200;
  static final Duration WARM_UP = Duration.ofSeconds(1);

  private final Channel channel;
  private final Duration timeout;

  public LinkProber(Channel channel, Duration timeout) {
    this.channel = channel;
    this.timeout = timeout;
  }

  /**
   * Payload sizes for a model of width {@code dim} with {@code bytesPerElement} on the wire: 1, 16 and 128 rows
   * (a decode step and two prefills), capped at {@code maxProbeBytes}.
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
   * {@code repeats} timed round trips per size, smallest size first, after untimed calls that warm the connection
   * and this process's gRPC code (up to {@link #WARM_UP_CALLS} or {@link #WARM_UP}, whichever ends first: a cold
   * JVM adds a millisecond or more to each call). All of one size run before the next size: on a token-bucket
   * shaper a large frame empties the bucket, and a decode-size frame sent after it would wait for tokens it never
   * waits for in a generation, where one small frame per token leaves the bucket full.
   *
   * @throws CloudLinkException when a probe fails
   */
  public List<TransferSample> probe(List<Integer> sizes, int repeats) {
    List<TransferSample> samples = new ArrayList<>();
    byte[] warm = new byte[sizes.stream().mapToInt(Integer::intValue).min().orElse(0)];
    long warmUntil = System.nanoTime() + WARM_UP.toNanos();
    for (int i = 0; i < WARM_UP_CALLS && (i == 0 || System.nanoTime() - warmUntil < 0); i++) {
      call(warm);
    }
    for (int size : sizes.stream().sorted().toList()) {
      byte[] payload = new byte[size];
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        call(payload);
        samples.add(new TransferSample(size, (System.nanoTime() - t0) / 1e9));
      }
    }
    return samples;
  }

  private void call(byte[] payload) {
    try {
      CloudServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .probe(ProbeRequest.newBuilder().setPayload(ByteString.copyFrom(payload))
              .setClientSendNanos(System.nanoTime()).build());
    } catch (StatusRuntimeException e) {
      throw new CloudLinkException("probe", e.getStatus());
    }
  }
}
