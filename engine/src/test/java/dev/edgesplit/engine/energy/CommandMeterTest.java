package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandMeterTest {

  @TempDir Path sys;

  @Test
  void read_integratesTheWattsACommandPrints() {
    SysfsFixture f = new SysfsFixture(sys);
    try (CommandMeter meter =
        CommandMeter.open(
            List.of("sh", "-c", "echo ' 3.5'"), Duration.ofSeconds(10), f.clock, Duration.ZERO)) {
      f.advanceSeconds(2);
      EnergyReading r = meter.read();
      assertThat(r.joules()).isCloseTo(7.0, within(1e-9));
      assertThat(r.source().kind()).isEqualTo("command");
      assertThat(r.source().description()).contains("echo");
    }
  }

  @Test
  void open_isUnavailable_whenOutputIsNotANumber() {
    SysfsFixture f = new SysfsFixture(sys);
    assertThatThrownBy(
            () ->
                CommandMeter.open(
                    List.of("sh", "-c", "echo watts: 3"),
                    Duration.ofSeconds(10),
                    f.clock,
                    Duration.ZERO))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("expected one number of watts");
  }

  @Test
  void open_isUnavailable_whenCommandExitsNonZero() {
    SysfsFixture f = new SysfsFixture(sys);
    assertThatThrownBy(
            () ->
                CommandMeter.open(
                    List.of("sh", "-c", "echo no meter >&2; exit 3"),
                    Duration.ofSeconds(10),
                    f.clock,
                    Duration.ZERO))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("exited with 3")
        .hasMessageContaining("no meter");
  }
}
