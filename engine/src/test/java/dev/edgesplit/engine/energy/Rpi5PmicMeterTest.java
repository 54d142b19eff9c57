package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Rpi5PmicMeterTest {

  /** Shaped like a Pi 5's output; a subset of rails, values chosen to be easy to add up by hand. */
  static final String PMIC_TEXT =
      String.join(
          "\n",
          "     3V3_SYS_A current(1)=0.10000000A",
          "    VDD_CORE_A current(7)=2.50000000A",
          "     EXT5V_A current(9)=0.00000000A",
          "     3V3_SYS_V volt(9)=3.30000000V",
          "    VDD_CORE_V volt(15)=0.80000000V",
          "       EXT5V_V volt(24)=5.10000000V",
          "        BATT_V volt(25)=0.00000000V",
          "");

  @TempDir Path sys;

  @Test
  void parseWatts_sumsCurrentTimesVoltageOfMatchingRails() throws IOException {
    // 0.1 A x 3.3 V + 2.5 A x 0.8 V + 0 A x 5.1 V; BATT_V has no current and is ignored
    assertThat(Rpi5PmicMeter.parseWatts(PMIC_TEXT)).isCloseTo(2.33, within(1e-12));
  }

  @Test
  void parseWatts_acceptsTheIssueExampleLines() throws IOException {
    String text = "   VDD_CORE_A current(7)=2.34567800A\n   VDD_CORE_V volt(15)=0.88000000V\n";
    assertThat(Rpi5PmicMeter.parseWatts(text)).isCloseTo(2.345678 * 0.88, within(1e-12));
  }

  @Test
  void read_integratesPmicPowerOverTime() {
    SysfsFixture f = new SysfsFixture(sys);
    try (Rpi5PmicMeter meter = Rpi5PmicMeter.open(() -> PMIC_TEXT, f.clock, Duration.ZERO)) {
      f.advanceSeconds(10);
      EnergyReading r = meter.read();
      assertThat(r.joules()).isCloseTo(23.3, within(1e-9));
      assertThat(r.source().kind()).isEqualTo("rpi5-pmic");
      assertThat(r.source().measured()).isTrue();
    }
  }

  @Test
  void open_isUnavailable_whenOutputHasNoRails() {
    SysfsFixture f = new SysfsFixture(sys);
    assertThatThrownBy(
            () ->
                Rpi5PmicMeter.open(
                    () -> "error=1 error_msg=\"Command not registered\"\n", f.clock, Duration.ZERO))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("no rail with both current and voltage");
  }

  @Test
  void open_isUnavailable_whenCommandFails() {
    SysfsFixture f = new SysfsFixture(sys);
    assertThatThrownBy(
            () ->
                Rpi5PmicMeter.open(
                    () -> {
                      throw new IOException("vcgencmd: not found");
                    },
                    f.clock,
                    Duration.ZERO))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("vcgencmd: not found");
  }
}
