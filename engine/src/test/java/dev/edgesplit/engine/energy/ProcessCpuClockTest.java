package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class ProcessCpuClockTest {

  /** Busy work the JIT cannot drop. */
  private static long spin(long nanos) {
    long until = System.nanoTime() + nanos;
    long x = 1;
    while (System.nanoTime() < until) {
      x = x * 6364136223846793005L + 1442695040888963407L;
    }
    return x;
  }

  @Test
  void onLinux_readsTheSchedulersClock_finerThanAClockTick() {
    assumeTrue(Platform.isLinux(), "clock_gettime is read on Linux only");
    ProcessCpuClock.Reader clock = ProcessCpuClock.best();
    assertThat(clock.description()).isEqualTo("clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");

    // Steps of 1 ms of busy work: a clock in 10 ms ticks shows at most a handful of distinct values
    // over 20 of
    // them, the scheduler's clock one per step.
    LongSupplier nanos = clock.nanos();
    TreeSet<Long> seen = new TreeSet<>();
    long sink = 0;
    for (int i = 0; i < 20; i++) {
      sink += spin(1_000_000);
      seen.add(nanos.getAsLong());
    }
    assertThat(sink).isNotZero();
    assertThat(seen).hasSize(20);
    long used = seen.last() - seen.first();
    assertThat(used).as("CPU time of 19 busy 1 ms steps").isBetween(15_000_000L, 400_000_000L);
  }

  @Test
  void agreesWithTheJvmsFigure_toWithinItsTicks() {
    long before = ProcessCpuClock.bean().nanos().getAsLong();
    long precise = ProcessCpuClock.best().nanos().getAsLong();
    long after = ProcessCpuClock.bean().nanos().getAsLong();
    // Both count this process's CPU since it started; the bean lags by up to a tick per thread.
    assertThat(precise).isPositive();
    assertThat((double) precise).isBetween(before * 0.5, after * 1.5 + 50_000_000);
  }
}
