package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads /proc-shaped fixture files: machine CPU time minus this process's is the other work. */
class QuietMachineTest {

  @TempDir Path dir;

  @Test
  void otherWork_isTheMachinesBusyTimeLessThisProcesss() throws Exception {
    Path stat = dir.resolve("stat");
    Path self = dir.resolve("self");
    QuietMachine machine = new QuietMachine(stat, self, 2);
    write(stat, self, 1000, 50, 300, 5000, 20, 10, 5, 0, 400, 100);
    QuietMachine.Ticks a = machine.read().orElseThrow();
    assertThat(a.busy()).isEqualTo(1000 + 50 + 300 + 10 + 5);
    assertThat(a.total()).isEqualTo(a.busy() + 5000 + 20);
    assertThat(a.own()).isEqualTo(500);
    // 200 ticks pass on 2 CPUs: 150 busy, 100 of them this process's, so others used 50 / 200 of 2
    // cores.
    write(stat, self, 1120, 50, 330, 5050, 20, 10, 5, 0, 480, 120);
    QuietMachine.Ticks b = machine.read().orElseThrow();
    assertThat(machine.otherCores(a, b)).isCloseTo(0.5, within(1e-9));
  }

  @Test
  void withoutProcStat_itDoesNotWait() throws Exception {
    QuietMachine machine = new QuietMachine(dir.resolve("missing"), dir.resolve("missing-too"), 2);
    assertThat(machine.read()).isEmpty();
    assertThat(machine.await(0.1, Duration.ofMillis(10), Duration.ofSeconds(1))).isEmpty();
  }

  @Test
  void aQuietMachine_returnsAfterOneWindow() throws Exception {
    Path stat = dir.resolve("stat");
    Path self = dir.resolve("self");
    write(stat, self, 1000, 0, 0, 5000, 0, 0, 0, 0, 10, 10);
    QuietMachine.Settled s =
        new QuietMachine(stat, self, 2)
            .await(0.1, Duration.ofMillis(10), Duration.ofSeconds(1))
            .orElseThrow();
    assertThat(s.quiet()).isTrue();
    assertThat(s.otherCores()).isZero();
  }

  private static void write(
      Path stat,
      Path self,
      long user,
      long nice,
      long system,
      long idle,
      long iowait,
      long irq,
      long softirq,
      long steal,
      long utime,
      long stime)
      throws Exception {
    Files.writeString(
        stat,
        String.format(
            "cpu  %d %d %d %d %d %d %d %d 0 0%ncpu0 1 2 3 4 5 6 7 8 0 0%n",
            user, nice, system, idle, iowait, irq, softirq, steal));
    // A command name with a space and a ')' in it, as /proc allows.
    Files.writeString(
        self,
        String.format(
            "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 %d %d 0 0 20 0%n",
            utime, stime));
  }
}
