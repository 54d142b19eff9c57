package dev.edgesplit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Waits, before a measurement, until work outside this process has settled. Stopping the loopback
 * processes hands a few GB back to the kernel, and on a VM that reports free pages to its host the
 * kernel spends the next seconds on it: the first generation measured after a loopback phase ran up
 * to 25% slower than the next ones. Reads Linux's {@code /proc/stat} (all CPU time) and {@code
 * /proc/self/stat} (this process's); elsewhere it does not wait.
 */
final class QuietMachine {

  /** CPU time in clock ticks: busy and total for the machine, and this process's own. */
  record Ticks(long busy, long total, long own) {}

  private final Path procStat;
  private final Path selfStat;
  private final int cpus;

  QuietMachine() {
    this(
        Path.of("/proc/stat"),
        Path.of("/proc/self/stat"),
        Runtime.getRuntime().availableProcessors());
  }

  QuietMachine(Path procStat, Path selfStat, int cpus) {
    this.procStat = procStat;
    this.selfStat = selfStat;
    this.cpus = cpus;
  }

  /**
   * Waits until other work used less than {@code maxCores} over one {@code window}, or {@code
   * timeout} passed.
   *
   * @return how long it waited and the other work of the last window, in cores; empty where it
   *     cannot tell
   */
  Optional<Settled> await(double maxCores, Duration window, Duration timeout)
      throws InterruptedException {
    long start = System.nanoTime();
    Optional<Ticks> before = read();
    if (before.isEmpty()) {
      return Optional.empty();
    }
    while (true) {
      Thread.sleep(window.toMillis());
      Optional<Ticks> after = read();
      if (after.isEmpty()) {
        return Optional.empty();
      }
      double others = otherCores(before.get(), after.get());
      Duration waited = Duration.ofNanos(System.nanoTime() - start);
      if (others < maxCores || waited.compareTo(timeout) >= 0) {
        return Optional.of(new Settled(waited, others, others < maxCores));
      }
      before = after;
    }
  }

  /**
   * @param quiet false when the timeout passed first
   */
  record Settled(Duration waited, double otherCores, boolean quiet) {}

  /** Cores' worth of CPU time spent outside this process between two readings. */
  double otherCores(Ticks a, Ticks b) {
    long total = b.total() - a.total();
    if (total <= 0) {
      return 0;
    }
    long others = Math.max(0, (b.busy() - a.busy()) - (b.own() - a.own()));
    return cpus * (double) others / total;
  }

  Optional<Ticks> read() {
    try {
      String cpu = Files.readAllLines(procStat).get(0);
      String[] f = cpu.trim().split("\\s+");
      if (!f[0].equals("cpu") || f.length < 9) {
        return Optional.empty();
      }
      // user nice system idle iowait irq softirq steal
      long busy = 0;
      long total = 0;
      for (int i = 1; i <= 8; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i != 4 && i != 5) {
          busy += v;
        }
      }
      String self = Files.readString(selfStat);
      // Fields after the command name (which may hold spaces, closed by the last ')'): utime is the
      // 12th, stime 13th.
      String[] s = self.substring(self.lastIndexOf(')') + 2).trim().split("\\s+");
      long own = Long.parseLong(s[11]) + Long.parseLong(s[12]);
      return Optional.of(new Ticks(busy, total, own));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
