package dev.edgesplit.edge.link;

import com.google.common.util.concurrent.ListenableFuture;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's circuit breaker on its cloud workers. Closed, sessions connect as usual (with
 * retries); once one session has spent a whole reconnect window without reaching any worker, the
 * breaker opens: the cloud is marked down and new sessions fail (or fall back to the board) at once
 * instead of waiting out the window again. While open, a background probe asks every worker's gRPC
 * health service for {@code CloudService} at each probe interval and closes the breaker as soon as
 * one answers SERVING; a session that connects closes it too. {@link #start} probes once, so an
 * edge that boots during an outage starts open. Thread-safe; {@link #close} stops the probe (the
 * caller owns the channels).
 */
public final class CloudBreaker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CloudBreaker.class);

  private final List<String> targets;
  private final List<Channel> channels;
  private final Duration probeInterval;
  private final Duration probeTimeout;
  private final Consumer<Boolean> onChange;
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong closed = new AtomicLong();
  private ScheduledExecutorService prober;
  private boolean open;
  private String reason = "";
  private long openedAtNanos;

  /**
   * @param targets the workers' addresses, for messages, in the order of {@code channels}
   * @param probeInterval time between background probes while open
   * @param probeTimeout deadline of one health check
   * @param onChange told {@code true} when the breaker opens and {@code false} when it closes
   *     (health), in order, under the breaker's lock: quick, must not call back into the breaker or
   *     throw
   */
  public CloudBreaker(
      List<String> targets,
      List<Channel> channels,
      Duration probeInterval,
      Duration probeTimeout,
      Consumer<Boolean> onChange) {
    if (targets.size() != channels.size() || targets.isEmpty()) {
      throw new IllegalArgumentException("one channel per worker target, at least one");
    }
    if (probeInterval.isNegative()
        || probeInterval.isZero()
        || probeTimeout.isNegative()
        || probeTimeout.isZero()) {
      throw new IllegalArgumentException("probe interval and timeout must be positive");
    }
    this.targets = List.copyOf(targets);
    this.channels = List.copyOf(channels);
    this.probeInterval = probeInterval;
    this.probeTimeout = probeTimeout;
    this.onChange = Objects.requireNonNull(onChange, "onChange");
  }

  /**
   * Probes the workers once (opening the breaker when none answers), then keeps probing in the
   * background.
   */
  public synchronized CloudBreaker start() {
    if (prober != null) {
      throw new IllegalStateException("cloud breaker already started");
    }
    prober =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "edge-cloud-probe");
              t.setDaemon(true);
              return t;
            });
    if (!probe()) {
      open("no cloud worker of " + targets + " answered a health check at start");
    }
    prober.scheduleWithFixedDelay(
        this::probeIfOpen,
        probeInterval.toMillis(),
        probeInterval.toMillis(),
        TimeUnit.MILLISECONDS);
    return this;
  }

  /** True while the cloud is marked down. */
  public synchronized boolean isOpen() {
    return open;
  }

  /** Why the cloud was marked down, and how long ago; empty while closed. */
  public synchronized String reason() {
    return open
        ? reason + " (marked down " + (System.nanoTime() - openedAtNanos) / 1_000_000 + " ms ago)"
        : "";
  }

  /** Times the breaker opened. */
  public long openings() {
    return opened.get();
  }

  /** Times the breaker closed. */
  public long closings() {
    return closed.get();
  }

  /** Marks the cloud down: a session found no worker within its whole reconnect window. */
  public synchronized void open(String why) {
    if (open) {
      return;
    }
    open = true;
    reason = why;
    openedAtNanos = System.nanoTime();
    opened.incrementAndGet();
    LOG.warn(
        "cloud marked down (circuit breaker open): {}; new generations fail or fall back at once; probing {} "
            + "every {} ms",
        why,
        targets,
        probeInterval.toMillis());
    onChange.accept(true);
  }

  /** A worker answered (a session connected, or a probe): the cloud is back. */
  public synchronized void closeBreaker(String worker) {
    if (!open) {
      return;
    }
    open = false;
    reason = "";
    closed.incrementAndGet();
    LOG.info(
        "cloud back (circuit breaker closed): {} answers after {} ms down",
        worker,
        (System.nanoTime() - openedAtNanos) / 1_000_000);
    onChange.accept(false);
  }

  private void probeIfOpen() {
    try {
      if (isOpen()) {
        probe();
      }
    } catch (RuntimeException e) {
      // A failed probe round must not end the schedule.
      LOG.debug("cloud probe failed", e);
    }
  }

  /** One health check of every worker at once; closes the breaker on the first SERVING. */
  private boolean probe() {
    HealthCheckRequest request =
        HealthCheckRequest.newBuilder().setService(CloudServiceGrpc.SERVICE_NAME).build();
    List<ListenableFuture<HealthCheckResponse>> checks = new ArrayList<>();
    for (Channel channel : channels) {
      if (channel instanceof ManagedChannel) {
        // After failed connects a channel waits out its own growing backoff (up to 2 minutes) and
        // fails calls at
        // once meanwhile: a returning worker would go unnoticed that long. Connect now instead.
        ((ManagedChannel) channel).resetConnectBackoff();
      }
      checks.add(
          HealthGrpc.newFutureStub(channel)
              .withDeadlineAfter(probeTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .check(request));
    }
    boolean any = false;
    for (int i = 0; i < checks.size(); i++) {
      try {
        if (checks.get(i).get(probeTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS).getStatus()
            == HealthCheckResponse.ServingStatus.SERVING) {
          any = true;
          closeBreaker(targets.get(i));
        }
      } catch (ExecutionException | TimeoutException e) {
        checks.get(i).cancel(true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return any;
      }
    }
    return any;
  }

  /** Stops the background probe. Idempotent. */
  @Override
  public synchronized void close() {
    if (prober != null) {
      prober.shutdownNow();
    }
  }
}
