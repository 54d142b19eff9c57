package dev.edgesplit.server.lifecycle;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server of one app (edge agent or cloud worker) and its health: start, port, wait, and
 * the steps of a drain. The health status is shared by the main listener and an optional plaintext
 * listener that serves only {@code grpc.health.v1.Health} (for probes that cannot present client
 * certificates), so both report SERVING after {@link #start} and NOT_SERVING from {@link
 * #beginClose}. The health-only listener stops last, in {@link #finishClose}, so probes see the
 * drain. Thread-safe.
 */
public final class GrpcServing {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcServing.class);

  /** How long to wait for cancelled calls to end after {@code shutdownNow}. */
  private static final long CANCEL_WAIT_SECONDS = 5;

  private final String app;
  private final HealthStatusManager health = new HealthStatusManager();
  private Server server;
  private Server healthServer;
  private String serviceName;
  private boolean serving = true;
  private boolean closed;

  /**
   * @param app the app's name in messages ("edge agent", "cloud worker")
   */
  public GrpcServing(String app) {
    this.app = Objects.requireNonNull(app, "app");
  }

  /** The health service to add to the main server's builder. */
  public BindableService healthService() {
    return health.getHealthService();
  }

  /**
   * @throws IllegalStateException when {@link #start} already ran
   */
  public synchronized void checkNotStarted() {
    if (server != null) {
      throw new IllegalStateException(app + " already started");
    }
  }

  /**
   * Builds and starts the main server, then the health-only listener when {@code healthOnly} is not
   * null, and reports {@code serviceName} (and the overall "" service) SERVING.
   *
   * @param builder the main server, with its services and {@link #healthService()} added
   * @param address the main server's address, for the error message
   * @param healthOnly plaintext address serving only health, or null for none
   * @throws UncheckedIOException when a port cannot be bound (nothing is left running)
   */
  public synchronized void start(
      ServerBuilder<?> builder,
      InetSocketAddress address,
      String serviceName,
      InetSocketAddress healthOnly) {
    checkNotStarted();
    Server main;
    try {
      main = builder.build().start();
    } catch (IOException e) {
      throw cannotListen("", address, e);
    }
    if (healthOnly != null) {
      try {
        healthServer =
            NettyServerBuilder.forAddress(healthOnly, InsecureServerCredentials.create())
                .addService(health.getHealthService())
                .build()
                .start();
      } catch (IOException e) {
        main.shutdownNow();
        throw cannotListen(" for health", healthOnly, e);
      }
      LOG.info(
          "{} serves plaintext grpc.health.v1.Health only on {}:{}",
          app,
          healthOnly.getHostString(),
          healthServer.getPort());
    }
    server = main;
    this.serviceName = serviceName;
    applyServing();
  }

  /**
   * What health reports until the drain: SERVING when {@code canServe}, else NOT_SERVING (the app
   * is up but cannot serve its calls now, e.g. the edge while every cloud worker is down and it has
   * no fallback). May be called before {@link #start}, which then starts with that status; ignored
   * once closing.
   */
  public synchronized void reportServing(boolean canServe) {
    serving = canServe;
    applyServing();
  }

  private void applyServing() {
    if (server == null || closed) {
      return;
    }
    ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus("", status);
    health.setStatus(serviceName, status);
  }

  /**
   * The bind failure said plainly: a port in use is the usual cause, and gRPC's message ("Failed to
   * bind to address") does not say so.
   */
  private UncheckedIOException cannotListen(String what, InetSocketAddress address, IOException e) {
    String where =
        app
            + " cannot listen"
            + what
            + " on "
            + address.getHostString()
            + ":"
            + address.getPort()
            + ": ";
    return new UncheckedIOException(
        where
            + (portInUse(address)
                ? "port " + address.getPort() + " is already in use (another process listens on it)"
                : e.getMessage()),
        e);
  }

  /**
   * True when the host accepts a listener on some port but not on this one. Asks the OS again
   * rather than reading the transport's error text, which differs between netty's native and JDK
   * transports.
   */
  private static boolean portInUse(InetSocketAddress address) {
    if (address.getPort() == 0 || address.isUnresolved()) {
      return false;
    }
    try (ServerSocket any = new ServerSocket()) {
      any.bind(new InetSocketAddress(address.getAddress(), 0));
    } catch (IOException hostUnusable) {
      return false;
    }
    try (ServerSocket same = new ServerSocket()) {
      same.bind(address);
      return false;
    } catch (BindException inUse) {
      return true;
    } catch (IOException other) {
      return false;
    }
  }

  /** The main server's bound port (useful with port 0). */
  public synchronized int port() {
    return started().getPort();
  }

  /** The health-only listener's bound port, or -1 when there is none. */
  public synchronized int healthPort() {
    started();
    return healthServer == null ? -1 : healthServer.getPort();
  }

  private Server started() {
    if (server == null) {
      throw new IllegalStateException(app + " not started");
    }
    return server;
  }

  /** Waits until the main server has terminated; returns at once when it never started. */
  public void blockUntilShutdown() throws InterruptedException {
    Server s;
    synchronized (this) {
      s = server;
    }
    if (s != null) {
      s.awaitTermination();
    }
  }

  /**
   * First step of close: reports NOT_SERVING on every listener. Idempotent.
   *
   * @return true the first time after a start: the caller then drains and calls the other steps;
   *     false when the app never started or is already closing
   */
  public synchronized boolean beginClose() {
    if (closed || server == null) {
      closed = true;
      return false;
    }
    closed = true;
    health.enterTerminalState();
    LOG.info("{} draining: health NOT_SERVING, new calls refused, running calls may finish", app);
    return true;
  }

  /** Stops accepting calls; running calls go on. */
  public synchronized void shutdown() {
    started().shutdown();
  }

  /**
   * Waits up to {@code timeout} for running calls to end, then cancels the rest.
   *
   * @return true when they ended in time
   */
  public boolean awaitDrain(Duration timeout) throws InterruptedException {
    Server s;
    synchronized (this) {
      s = started();
    }
    if (s.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return true;
    }
    LOG.warn(
        "{} drain timeout of {} ms passed: cancelling the calls still running",
        app,
        timeout.toMillis());
    s.shutdownNow();
    return false;
  }

  /** Cancels every running call now and stops the health-only listener (an interrupted drain). */
  public synchronized void shutdownNow() {
    started().shutdownNow();
    if (healthServer != null) {
      healthServer.shutdownNow();
    }
  }

  /** Last step of close: waits briefly for cancelled calls, then stops the health-only listener. */
  public void finishClose() throws InterruptedException {
    Server s;
    Server h;
    synchronized (this) {
      s = started();
      h = healthServer;
    }
    try {
      s.awaitTermination(CANCEL_WAIT_SECONDS, TimeUnit.SECONDS);
    } finally {
      if (h != null) {
        h.shutdownNow();
      }
      LOG.info("{} stopped", app);
    }
  }
}
