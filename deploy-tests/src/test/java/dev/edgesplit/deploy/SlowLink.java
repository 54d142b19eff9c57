package dev.edgesplit.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on loopback between the edge agent and the worker whose edge-to-cloud direction can
 * be made slow: bytes pass unchanged (TLS end to end), each chunk waits {@code delayMillis} first.
 * A slow link keeps a generation open long enough for a test to stop the worker in the middle of
 * it.
 */
final class SlowLink implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile long delayMillis;

  SlowLink(String host, int port) throws IOException {
    target = new InetSocketAddress(host, port);
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "slow-link-accept");
    accept.setDaemon(true);
    accept.start();
  }

  String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  void delay(long millis) {
    delayMillis = millis;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket edge = server.accept();
        Socket worker = new Socket(target.getAddress(), target.getPort());
        sockets.add(edge);
        sockets.add(worker);
        pump(edge, worker, true);
        pump(worker, edge, false);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to, boolean slow) throws IOException {
    InputStream in = from.getInputStream();
    OutputStream out = to.getOutputStream();
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[64 * 1024];
              try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                  if (slow && delayMillis > 0) {
                    Thread.sleep(delayMillis);
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // a side closed: close both below
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "slow-link-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(SlowLink::closeQuietly);
  }
}
