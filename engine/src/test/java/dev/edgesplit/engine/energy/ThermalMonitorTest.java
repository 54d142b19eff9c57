package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThermalMonitorTest {

  @TempDir Path sys;

  private SysfsFixture cpu(SysfsFixture f, int n, long cur, long max, long hw) {
    String dir = "devices/system/cpu/cpu" + n + "/cpufreq/";
    return f.file(dir + "scaling_cur_freq", cur)
        .file(dir + "scaling_max_freq", max)
        .file(dir + "cpuinfo_max_freq", hw);
  }

  @Test
  void read_isNotThrottled_whenCoolAndUncapped_evenIfIdlingBelowMax() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/thermal/thermal_zone0/type", "cpu-thermal")
            .file("class/thermal/thermal_zone0/temp", 52300);
    cpu(f, 0, 1_500_000, 2_400_000, 2_400_000);
    cpu(f, 1, 2_400_000, 2_400_000, 2_400_000);
    f.file("devices/system/cpu/cpufreq/policy0/scaling_cur_freq", 1); // not a cpuN directory
    ThermalState s = new ThermalMonitor(sys, 80).read();
    assertThat(s.throttled()).isFalse();
    assertThat(s.reasons()).isEmpty();
    assertThat(s.maxCelsius().getAsDouble()).isCloseTo(52.3, within(1e-9));
    assertThat(s.cpus()).hasSize(2);
    assertThat(s.slowestFrequencyRatio()).isCloseTo(0.625, within(1e-9));
  }

  @Test
  void read_isThrottled_whenZoneReachesItsPassiveTripPoint() {
    SysfsFixture f =
        new SysfsFixture(sys)
            .file("class/thermal/thermal_zone0/type", "cpu-thermal")
            .file("class/thermal/thermal_zone0/temp", 76000)
            .file("class/thermal/thermal_zone0/trip_point_0_type", "critical")
            .file("class/thermal/thermal_zone0/trip_point_0_temp", 110000)
            .file("class/thermal/thermal_zone0/trip_point_1_type", "passive")
            .file("class/thermal/thermal_zone0/trip_point_1_temp", 75000);
    ThermalState s = new ThermalMonitor(sys, 80).read();
    assertThat(s.throttled()).isTrue();
    assertThat(s.zones().get(0).throttleCelsius()).isEqualTo(75.0);
    assertThat(s.reasons())
        .singleElement()
        .asString()
        .contains("thermal_zone0")
        .contains("76.0 C >= 75.0 C");
  }

  @Test
  void read_usesDefaultThreshold_withoutTripPoints() {
    SysfsFixture f = new SysfsFixture(sys).file("class/thermal/thermal_zone3/temp", 81500);
    ThermalState s = new ThermalMonitor(sys, 80).read();
    assertThat(s.throttled()).isTrue();
    assertThat(s.zones().get(0).name()).isEqualTo("thermal_zone3");
  }

  @Test
  void read_isThrottled_whenPolicyMaxIsCappedBelowHardwareMax() {
    SysfsFixture f = new SysfsFixture(sys);
    cpu(f, 0, 1_500_000, 1_500_000, 2_400_000);
    ThermalState s = new ThermalMonitor(sys, 80).read();
    assertThat(s.throttled()).isTrue();
    assertThat(s.reasons()).singleElement().asString().contains("cpu0 capped at 1500000 kHz");
  }

  @Test
  void read_skipsUnreadableZones_andEmptyTreeIsNotThrottled() {
    SysfsFixture f = new SysfsFixture(sys).unreadable("class/thermal/thermal_zone0/temp");
    ThermalState s = new ThermalMonitor(sys, 80).read();
    assertThat(s.zones()).isEmpty();
    assertThat(s.throttled()).isFalse();
    assertThat(s.maxCelsius()).isEmpty();
    assertThat(s.slowestFrequencyRatio()).isEqualTo(1.0);
  }
}
