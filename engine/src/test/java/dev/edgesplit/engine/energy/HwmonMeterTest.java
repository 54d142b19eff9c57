package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HwmonMeterTest {

  @TempDir Path sys;

  @Test
  void read_integratesMicrowattPowerInput_withTrapezoidRule() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/hwmon/hwmon0/name", "k10temp")
            .file("class/hwmon/hwmon0/temp1_input", 45000)
            .file("class/hwmon/hwmon3/name", "ina226")
            .file("class/hwmon/hwmon3/power1_input", 2_500_000);
    try (HwmonMeter meter = HwmonMeter.open(sys, f.clock, Duration.ZERO)) {
      f.advanceSeconds(2);
      assertThat(meter.read().joules()).isCloseTo(5.0, within(1e-9));
      f.file("class/hwmon/hwmon3/power1_input", 4_500_000);
      f.advanceSeconds(1);
      // trapezoid between 2.5 W and 4.5 W over 1 s
      EnergyReading r = meter.read();
      assertThat(r.joules()).isCloseTo(8.5, within(1e-9));
      assertThat(r.source().kind()).isEqualTo("hwmon");
      assertThat(r.source().description()).contains("ina226").contains("power1_input");
    }
  }

  @Test
  void read_multipliesMilliampsByMillivolts_perChannel() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/hwmon/hwmon1/name", "ina3221")
            .file("class/hwmon/hwmon1/curr1_input", 1000)
            .file("class/hwmon/hwmon1/in1_input", 5000)
            .file("class/hwmon/hwmon1/curr2_input", 200)
            .file("class/hwmon/hwmon1/in2_input", 3300)
            .file("class/hwmon/hwmon1/in4_input", 12); // shunt voltage, no matching current
    try (HwmonMeter meter = HwmonMeter.open(sys, f.clock, Duration.ZERO)) {
      f.advanceSeconds(10);
      // 1 A x 5 V + 0.2 A x 3.3 V = 5.66 W for 10 s
      assertThat(meter.read().joules()).isCloseTo(56.6, within(1e-9));
    }
  }

  @Test
  void read_usesOnlyTheVddInRail_whenJetsonLabelsIt() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/hwmon/hwmon2/name", "ina3221")
            .file("class/hwmon/hwmon2/in1_label", "VDD_IN")
            .file("class/hwmon/hwmon2/curr1_input", 1500)
            .file("class/hwmon/hwmon2/in1_input", 5000)
            .file("class/hwmon/hwmon2/in2_label", "VDD_CPU_GPU_CV")
            .file("class/hwmon/hwmon2/curr2_input", 800)
            .file("class/hwmon/hwmon2/in2_input", 5000);
    try (HwmonMeter meter = HwmonMeter.open(sys, f.clock, Duration.ZERO)) {
      f.advanceSeconds(2);
      assertThat(meter.read().joules()).isCloseTo(15.0, within(1e-9));
      assertThat(meter.source().description()).contains("VDD_IN").doesNotContain("VDD_CPU_GPU_CV");
    }
  }

  @Test
  void open_isUnavailable_whenOnlyUnknownChipsHavePower() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/hwmon/hwmon0/name", "amdgpu")
            .file("class/hwmon/hwmon0/power1_input", 30_000_000);
    assertThatThrownBy(() -> HwmonMeter.open(sys, f.clock, Duration.ZERO))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("no readable hwmon power monitor");
  }

  @Test
  void open_isUnavailable_withReason_whenPowerInputUnreadable() {
    SysfsFixture f = new SysfsFixture(sys).file("class/hwmon/hwmon0/name", "ina219");
    f.unreadable("class/hwmon/hwmon0/power1_input");
    assertThatThrownBy(() -> HwmonMeter.open(sys, f.clock, Duration.ZERO))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("hwmon0/power1_input");
  }
}
