package dev.edgesplit.cloud.compute;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Greedy sessions driven a step at a time through one batching compute, out of lockstep: they join
 * at random rounds, each round a random subset of the live ones steps concurrently (so their steps
 * share batches), and each must end with the tokens of its solo run.
 */
final class SteppedSessions {

  private SteppedSessions() {}

  /** One greedy session: its prompt first, then one token per step, until it has its length. */
  abstract static class Session implements AutoCloseable {
    final List<Integer> tokens = new ArrayList<>();
    private final int length;

    Session(int length) {
      this.length = length;
    }

    /** Takes a slot of the compute (the session joins). */
    abstract Session start();

    /** Runs one step and adds the token it samples. */
    abstract void step();

    @Override
    public abstract void close();

    final boolean done() {
      return tokens.size() >= length;
    }
  }

  /** The tokens of {@code s} run alone from start to end; closes it. */
  static List<Integer> solo(Session s) {
    try (s) {
      s.start();
      while (!s.done()) {
        s.step();
      }
      return List.copyOf(s.tokens);
    }
  }

  /**
   * Runs {@code sessions} out of lockstep (at most {@code maxLive} at once; {@code sitOut} is told
   * of each live one that does not step in a round) and checks the i-th ends with {@code
   * solo.get(i)}; returns the largest batch the compute ran.
   */
  static <S extends Session> int runAndCheck(
      List<S> sessions,
      List<List<Integer>> solo,
      BatchingCloudCompute compute,
      ExecutorService pool,
      SplittableRandom rnd,
      int maxLive,
      Consumer<S> sitOut)
      throws Exception {
    List<S> waiting = new ArrayList<>(sessions);
    List<S> live = new ArrayList<>();
    int largest = 0;
    while (!waiting.isEmpty() || !live.isEmpty()) {
      if (!waiting.isEmpty() && live.size() < maxLive && (live.isEmpty() || rnd.nextInt(3) == 0)) {
        S joining = waiting.remove(0);
        joining.start();
        live.add(joining);
      }
      List<Future<?>> round = new ArrayList<>();
      for (S s : live) {
        if (rnd.nextInt(3) > 0) {
          round.add(pool.submit(s::step));
        } else {
          sitOut.accept(s);
        }
      }
      for (Future<?> f : round) {
        f.get(60, TimeUnit.SECONDS);
      }
      largest = Math.max(largest, compute.lastBatchSize());
      for (S s : List.copyOf(live)) {
        if (s.done()) {
          s.close();
          live.remove(s);
        }
      }
    }
    for (int i = 0; i < sessions.size(); i++) {
      assertThat(sessions.get(i).tokens).as("session %d", i).isEqualTo(solo.get(i));
    }
    return largest;
  }
}
