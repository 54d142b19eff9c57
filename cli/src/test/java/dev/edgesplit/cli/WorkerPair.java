package dev.edgesplit.cli;

import dev.edgesplit.engine.segment.CompiledModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Two {@code edgesplit cloud} child JVMs on fixed loopback ports, so a SIGKILLed one restarted on
 * its port is found again by the edge that has both configured.
 */
final class WorkerPair implements AutoCloseable {

  private final String name;
  private final Path dir;
  private final List<String> cutArgs;
  private final String modelDir;
  private final Duration ready;
  private final List<Integer> ports = new ArrayList<>();
  private final ChildProcess[] workers = new ChildProcess[2];
  private int starts;

  /**
   * Starts both workers and waits until they serve.
   *
   * @param name prefix of the children's names (their logs under {@code dir/logs})
   * @param cutArgs the range flags, e.g. {@code --cut 1 --return-cut 3}
   * @param ready how long a (re)started worker may take to serve
   */
  WorkerPair(String name, Path dir, CompiledModel compiled, List<String> cutArgs, Duration ready)
      throws Exception {
    this.name = name;
    this.dir = dir;
    this.cutArgs = List.copyOf(cutArgs);
    this.modelDir = compiled.directory().toString();
    this.ready = ready;
    ports.add(Processes.freePort());
    ports.add(Processes.freePort());
    try {
      workers[0] = launch(0);
      workers[1] = launch(1);
      Processes.awaitServing(workers[0], ports.get(0), ready);
      Processes.awaitServing(workers[1], ports.get(1), ready);
    } catch (Exception | AssertionError e) {
      // try-with-resources closes only a constructed pair: do not orphan a child that did start.
      close();
      throw e;
    }
  }

  List<Integer> ports() {
    return List.copyOf(ports);
  }

  private ChildProcess launch(int i) throws Exception {
    List<String> args = new ArrayList<>(List.of("cloud", "--model", modelDir));
    args.addAll(cutArgs);
    args.addAll(List.of("--listen", "127.0.0.1:" + ports.get(i), "--metrics", "off"));
    return Processes.start(
        name + "-" + i + "-" + starts++, dir.resolve("logs"), dir.resolve("tmp"), args);
  }

  /** SIGKILLs worker {@code i}. */
  void kill(int i) throws InterruptedException {
    workers[i].kill();
  }

  /** A token hook that SIGKILLs worker {@code i} once the token at {@code index} has streamed. */
  LocalEdge.TokenHook killAfterToken(int index, int i) {
    return streamed -> {
      if (streamed == index) {
        kill(i);
      }
    };
  }

  /** Starts worker {@code i} again on its port and waits until it serves. */
  void restart(int i) throws Exception {
    workers[i] = launch(i);
    Processes.awaitServing(workers[i], ports.get(i), ready);
  }

  @Override
  public void close() throws InterruptedException {
    for (ChildProcess w : workers) {
      if (w != null) {
        w.kill();
      }
    }
  }
}
