package dev.edgesplit.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback that holds every chunk it reads, in each direction, for a fixed one-way
 * delay before writing it on: a request-reply exchange through it sees RTT = 2 x delay on top of
 * loopback's own. Stands in for a Wi-Fi, LTE or WAN link between the edge agent and the cloud
 * worker on one machine (like {@code scripts/delay-proxy.py}, without Python). Order is kept;
 * bandwidth is not shaped. Each connection runs four daemon threads (a reader and a delayed writer
 * per direction). Close it to stop accepting and drop every connection.
 */
public final class DelayProxy implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final long delayNanos;
  private final List<Socket> sockets = new ArrayList<>();
  private final Thread acceptor;
  private volatile boolean closed;

  /**
   * Listens on 127.0.0.1 (any free port) and forwards to {@code target}.
   *
   * @param rttMillis the round trip the proxy adds; each direction waits half of it
   */
  public DelayProxy(InetSocketAddress target, double rttMillis) throws IOException {
    if (!(rttMillis >= 0)) {
      throw new IllegalArgumentException("RTT must be >= 0 ms, got " + rttMillis);
    }
    this.target = target;
    this.delayNanos = (long) (rttMillis * 1e6 / 2);
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "delay-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port edge agents connect to instead of the worker's. */
  public int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(target, 5_000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        synchronized (sockets) {
          sockets.add(client);
          sockets.add(upstream);
        }
        pump(client, upstream, "up");
        pump(upstream, client, "down");
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  /** Copies {@code from} to {@code to}, each chunk written {@code delayNanos} after it was read. */
  private void pump(Socket from, Socket to, String direction) {
    LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              byte[] buf = new byte[64 << 10];
              try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  queue.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
                }
              } catch (IOException ignored) {
                // the peer went away: forward the end
              }
              queue.add(new Chunk(System.nanoTime() + delayNanos, null));
            },
            "delay-proxy-read-" + direction);
    Thread writer =
        new Thread(
            () -> {
              try {
                OutputStream out = to.getOutputStream();
                while (true) {
                  Chunk c = queue.take();
                  long wait;
                  while ((wait = c.due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                  }
                  if (c.data == null) {
                    to.shutdownOutput();
                    return;
                  }
                  out.write(c.data);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "delay-proxy-write-" + direction);
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  private record Chunk(long due, byte[] data) {}

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    synchronized (sockets) {
      sockets.forEach(DelayProxy::closeQuietly);
      sockets.clear();
    }
  }
}
