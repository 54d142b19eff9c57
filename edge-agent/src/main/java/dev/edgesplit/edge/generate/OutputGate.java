package dev.edgesplit.edge.generate;

import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * Waits until the client's stream can take another message ({@code isReady()}), so a slow reader
 * slows the generation instead of filling server buffers. Install with {@link #install} in the
 * service method.
 */
public final class OutputGate {

  private final ServerCallStreamObserver<?> out;

  private OutputGate(ServerCallStreamObserver<?> out) {
    this.out = out;
  }

  public static OutputGate install(ServerCallStreamObserver<?> out) {
    OutputGate gate = new OutputGate(out);
    out.setOnReadyHandler(gate::signal);
    return gate;
  }

  /** Blocks until the stream is ready or the call is cancelled (checked at least every 50 ms). */
  public synchronized void awaitReady(Context context) throws InterruptedException {
    while (!out.isReady() && !context.isCancelled()) {
      wait(50);
    }
  }

  private synchronized void signal() {
    notifyAll();
  }
}
