package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnergyMetersTest {

  @TempDir Path sys;

  private ProbeOptions options(SysfsFixture f) {
    return ProbeOptions.defaults()
        .withClock(f.clock)
        .withSamplePeriod(Duration.ZERO)
        .withPmic(
            () -> {
              throw new IOException("vcgencmd: not found");
            });
  }

  @Test
  void probe_fallsBackToLabelledEstimate_withAReasonPerKind_whenNothingExists() {
    SysfsFixture f = new SysfsFixture(sys);
    MeterChoice choice = EnergyMeters.probe(sys, options(f));
    try (EnergyMeter meter = choice.meter()) {
      assertThat(choice.measured()).isFalse();
      assertThat(meter.source().kind()).isEqualTo("estimate");
      assertThat(meter.source().description()).contains(DeviceProfile.GENERIC_X86_SERVER.name());
      assertThat(choice.skipped()).hasSize(5);
      assertThat(choice.skipped().get(0)).startsWith("rapl: ").contains("no RAPL package domain");
      assertThat(choice.skipped().get(1)).startsWith("hwmon: ");
      assertThat(choice.skipped().get(2)).startsWith("power_supply: ");
      assertThat(choice.skipped().get(3))
          .startsWith("rpi5-pmic: ")
          .contains("not a Raspberry Pi 5");
      assertThat(choice.skipped().get(4))
          .startsWith("command: ")
          .contains("no power command configured");
    }
  }

  @Test
  void probe_prefersRapl() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/powercap/intel-rapl:0/name", "package-0")
            .file("class/powercap/intel-rapl:0/energy_uj", 5)
            .file("class/powercap/intel-rapl:0/max_energy_range_uj", 1000)
            .file("class/hwmon/hwmon0/name", "ina219")
            .file("class/hwmon/hwmon0/power1_input", 1_000_000);
    MeterChoice choice = EnergyMeters.probe(sys, options(f));
    try (EnergyMeter meter = choice.meter()) {
      assertThat(meter.source().kind()).isEqualTo("rapl");
      assertThat(choice.skipped()).isEmpty();
    }
  }

  @Test
  void probe_skipsUnreadableRapl_withItsReason_andTakesHwmon() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/powercap/intel-rapl:0/name", "package-0")
            .file("class/powercap/intel-rapl:0/max_energy_range_uj", 1000)
            .unreadable("class/powercap/intel-rapl:0/energy_uj")
            .file("class/hwmon/hwmon0/name", "ina219")
            .file("class/hwmon/hwmon0/power1_input", 1_000_000);
    MeterChoice choice = EnergyMeters.probe(sys, options(f));
    try (EnergyMeter meter = choice.meter()) {
      assertThat(meter.source().kind()).isEqualTo("hwmon");
      assertThat(choice.skipped())
          .singleElement()
          .asString()
          .startsWith("rapl: ")
          .contains("energy_uj");
    }
  }

  @Test
  void probe_usesPmic_onARaspberryPi5() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("firmware/devicetree/base/model", "Raspberry Pi 5 Model B Rev 1.0");
    MeterChoice choice =
        EnergyMeters.probe(sys, options(f).withPmic(() -> Rpi5PmicMeterTest.PMIC_TEXT));
    try (EnergyMeter meter = choice.meter()) {
      assertThat(meter.source().kind()).isEqualTo("rpi5-pmic");
    }
  }

  @Test
  void probe_fallsBackToPi5Estimate_whenPmicCommandFailsOnAPi5() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("firmware/devicetree/base/model", "Raspberry Pi 5 Model B Rev 1.0");
    MeterChoice choice = EnergyMeters.probe(sys, options(f));
    try (EnergyMeter meter = choice.meter()) {
      assertThat(meter.source().measured()).isFalse();
      assertThat(meter.source().description()).contains("Raspberry Pi 5");
      assertThat(choice.skipped().get(3)).contains("vcgencmd: not found");
    }
  }

  @Test
  void probe_usesConfiguredCommand_whenNoSensorExists() {
    SysfsFixture f = new SysfsFixture(sys);
    MeterChoice choice =
        EnergyMeters.probe(sys, options(f).withCommand(List.of("sh", "-c", "echo 12.5")));
    try (EnergyMeter meter = choice.meter()) {
      assertThat(meter.source().kind()).isEqualTo("command");
      assertThat(choice.skipped()).hasSize(4);
    }
  }
}
