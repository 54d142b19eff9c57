package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.CloudModelInfo;
import dev.edgesplit.cloud.compute.ComputeState;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackWorker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Holds a worker's step at one position until the test releases it, so a fault can be injected
 * while a generation is known to be mid-way (no timing guesses).
 */
final class StepGate {

  private final int position;
  private final CountDownLatch reached = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  /**
   * @param position the session position (positions held before the step) at which the step waits
   */
  StepGate(int position) {
    this.position = position;
  }

  CloudCompute wrap(CloudCompute compute) {
    return new CloudCompute() {
      @Override
      public CloudModelInfo info() {
        return compute.info();
      }

      @Override
      public ComputeState newState() {
        return compute.newState();
      }

      @Override
      public boolean servesCut(int cut) {
        return compute.servesCut(cut);
      }

      @Override
      public ComputeState newState(int cut) {
        return compute.newState(cut);
      }

      @Override
      public boolean rewindsSessions() {
        return compute.rewindsSessions();
      }

      @Override
      public boolean servesRange(int cut, int returnCut) {
        return compute.servesRange(cut, returnCut);
      }

      @Override
      public ComputeState newState(int cut, int returnCut) {
        return compute.newState(cut, returnCut);
      }

      @Override
      public float[] forward(ComputeState state, float[] hidden, int seqLen) {
        if (state.position() == position && released.getCount() > 0) {
          reached.countDown();
          try {
            released.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("step gate interrupted", e);
          }
        }
        return compute.forward(state, hidden, seqLen);
      }
    };
  }

  void awaitReached() throws InterruptedException {
    assertThat(reached.await(60, TimeUnit.SECONDS))
        .as("a step reached position " + position)
        .isTrue();
  }

  void release() {
    released.countDown();
  }

  /**
   * Runs {@code generation} until {@code gate} holds a step on {@code worker}, stops that worker,
   * and returns the generation's result once the rest of it ran elsewhere; the gate opens after it.
   */
  static Generated stopWhileHeld(
      StepGate gate, LoopbackWorker worker, Supplier<Generated> generation) throws Exception {
    CompletableFuture<Generated> run = CompletableFuture.supplyAsync(generation);
    gate.awaitReached();
    CompletableFuture<Void> stop = CompletableFuture.runAsync(worker::close);
    Generated r = run.get(60, TimeUnit.SECONDS);
    gate.release();
    stop.get(30, TimeUnit.SECONDS);
    return r;
  }
}
