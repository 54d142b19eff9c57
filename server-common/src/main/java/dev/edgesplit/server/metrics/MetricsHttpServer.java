package dev.edgesplit.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Prometheus text ({@code GET /metrics}) with the JDK's HTTP server on one daemon thread.
 * Loopback unless told otherwise; a non-loopback address is logged, since the endpoint has no
 * authentication. The caller closes it.
 */
public final class MetricsHttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MetricsHttpServer.class);

  /** Prometheus text exposition format 0.0.4. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code host:port} (port 0 for any free port) and starts serving {@code scrape}'s text.
   *
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static MetricsHttpServer start(String host, int port, Supplier<String> scrape) {
    Objects.requireNonNull(scrape, "scrape");
    try {
      InetAddress address = InetAddress.getByName(host);
      if (!address.isLoopbackAddress()) {
        LOG.warn("metrics endpoint on non-loopback address {}: it is unauthenticated", host);
      }
      HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 16);
      ExecutorService executor =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "metrics-http");
                t.setDaemon(true);
                return t;
              });
      server.setExecutor(executor);
      server.createContext("/metrics", exchange -> serve(exchange, scrape));
      server.createContext(
          "/",
          exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
          });
      server.start();
      LOG.info("metrics on http://{}:{}/metrics", host, server.getAddress().getPort());
      return new MetricsHttpServer(server, executor);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses {@code metrics.listen}: {@code HOST:PORT}, or {@code off} / empty for no endpoint.
   *
   * @return null when off
   */
  public static MetricsHttpServer startIfEnabled(String listen, Supplier<String> scrape) {
    if (listen == null || listen.isBlank() || listen.trim().equalsIgnoreCase("off")) {
      return null;
    }
    int colon = listen.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "metrics.listen must be HOST:PORT or off, got '" + listen + "'");
    }
    String host = listen.substring(0, colon).replace("[", "").replace("]", "");
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "metrics.listen port is not a number: '" + listen + "'", e);
    }
    return start(host, port, scrape);
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void serve(HttpExchange exchange, Supplier<String> scrape) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())
          && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body = scrape.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(200, head ? -1 : body.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  /** Stops serving (no grace period: scrapes are short). Idempotent. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
