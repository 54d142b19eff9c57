package dev.edgesplit.edge.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy a test controls, placed between an edge agent and a cloud worker: it can
 * reset every open connection, or stall them (bytes are held, connections stay open) until resumed.
 * New connections are accepted throughout; while stalled they stall too.
 */
final class FaultProxy implements AutoCloseable {

  private final InetSocketAddress upstream;
  private final ServerSocket listener;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Object gate = new Object();
  private boolean stalled;
  private volatile boolean closed;

  FaultProxy(int upstreamPort) throws IOException {
    this.upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "fault-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  /** Resets (RST) every open connection, both sides. */
  void dropConnections() {
    for (Socket s : sockets) {
      abort(s);
    }
  }

  /** Holds every byte in both directions until {@link #resume()}. */
  void stall() {
    synchronized (gate) {
      stalled = true;
    }
  }

  void resume() {
    synchronized (gate) {
      stalled = false;
      gate.notifyAll();
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    resume();
    listener.close();
    dropConnections();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      Socket server = new Socket();
      try {
        server.connect(upstream, 5000);
      } catch (IOException e) {
        abort(client);
        continue;
      }
      sockets.add(client);
      sockets.add(server);
      pump(client, server, "up");
      pump(server, client, "down");
    }
  }

  private void pump(Socket from, Socket to, String direction) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 << 10];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  awaitFlowing();
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // the connection was dropped or the proxy closed
              } finally {
                abort(from);
                abort(to);
              }
            },
            "fault-proxy-" + direction);
    t.setDaemon(true);
    t.start();
  }

  private void awaitFlowing() throws InterruptedException {
    synchronized (gate) {
      while (stalled) {
        gate.wait();
      }
    }
  }

  private void abort(Socket s) {
    sockets.remove(s);
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already closed
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
