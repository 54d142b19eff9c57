package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PowerSupplyMeterTest {

  @TempDir Path sys;

  @Test
  void read_integratesPowerNow() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/power_supply/AC/online", 1)
            .file("class/power_supply/BAT0/power_now", 7_250_000);
    try (PowerSupplyMeter meter = PowerSupplyMeter.open(sys, f.clock, Duration.ZERO)) {
      f.advanceSeconds(4);
      EnergyReading r = meter.read();
      assertThat(r.joules()).isCloseTo(29.0, within(1e-9));
      assertThat(r.source().kind()).isEqualTo("power_supply");
      assertThat(r.source().description()).contains("BAT0/power_now");
    }
  }

  @Test
  void read_multipliesMicroampsByMicrovolts_ignoringCurrentSign() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/power_supply/usb-pd/current_now", -1_500_000)
            .file("class/power_supply/usb-pd/voltage_now", 9_000_000);
    try (PowerSupplyMeter meter = PowerSupplyMeter.open(sys, f.clock, Duration.ZERO)) {
      f.advanceSeconds(2);
      assertThat(meter.read().joules()).isCloseTo(27.0, within(1e-9));
    }
  }

  @Test
  void open_isUnavailable_whenNoSupplyReportsPower() {
    SysfsFixture f = new SysfsFixture(sys).file("class/power_supply/AC/online", 1);
    assertThatThrownBy(() -> PowerSupplyMeter.open(sys, f.clock, Duration.ZERO))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("power_now");
  }

  @Test
  void open_isUnavailable_whenVoltageIsGarbage() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/power_supply/BAT0/current_now", 1_000_000)
            .file("class/power_supply/BAT0/voltage_now", "n/a");
    assertThatThrownBy(() -> PowerSupplyMeter.open(sys, f.clock, Duration.ZERO))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("voltage_now")
        .hasMessageContaining("n/a");
  }
}
