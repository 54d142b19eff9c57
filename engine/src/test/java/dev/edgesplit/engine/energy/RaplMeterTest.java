package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaplMeterTest {

  @TempDir Path sys;

  private SysfsFixture domain(SysfsFixture f, String dir, String name, long uj, long max) {
    return f.file("class/powercap/" + dir + "/name", name)
        .file("class/powercap/" + dir + "/energy_uj", uj)
        .file("class/powercap/" + dir + "/max_energy_range_uj", max);
  }

  @Test
  void read_sumsPackageDomainsOnly_ignoringSubdomainsAndPsys() {
    SysfsFixture f = new SysfsFixture(sys);
    domain(f, "intel-rapl:0", "package-0", 1_000_000, 262_143_328_850L);
    domain(f, "intel-rapl:0:0", "core", 500_000, 262_143_328_850L);
    domain(f, "intel-rapl:1", "package-1", 2_000_000, 262_143_328_850L);
    domain(f, "intel-rapl:2", "psys", 0, 262_143_328_850L);
    try (RaplMeter meter = RaplMeter.open(sys, f.clock)) {
      assertThat(meter.read().joules()).isZero();
      f.file("class/powercap/intel-rapl:0/energy_uj", 3_500_000); // +2.5 J
      f.file("class/powercap/intel-rapl:0:0/energy_uj", 90_000_000); // nested core: must not count
      f.file("class/powercap/intel-rapl:1/energy_uj", 3_000_000); // +1.0 J
      f.file("class/powercap/intel-rapl:2/energy_uj", 99_000_000); // psys: must not count
      EnergyReading r = meter.read();
      assertThat(r.joules()).isCloseTo(3.5, within(1e-9));
      assertThat(r.source().kind()).isEqualTo("rapl");
      assertThat(r.source().measured()).isTrue();
      assertThat(r.source().description())
          .contains("intel-rapl:0/energy_uj")
          .contains("intel-rapl:1/energy_uj")
          .doesNotContain("intel-rapl:0:0");
    }
  }

  @Test
  void read_handlesWrapAroundAtMaxEnergyRange() {
    SysfsFixture f = new SysfsFixture(sys);
    domain(f, "intel-rapl:0", "package-0", 9_000_000, 10_000_000);
    try (RaplMeter meter = RaplMeter.open(sys, f.clock)) {
      f.file("class/powercap/intel-rapl:0/energy_uj", 500_000); // wrapped: 1.0 J to the top + 0.5 J
      assertThat(meter.read().joules()).isCloseTo(1.5, within(1e-9));
      f.file("class/powercap/intel-rapl:0/energy_uj", 2_500_000);
      assertThat(meter.read().joules()).isCloseTo(3.5, within(1e-9));
    }
  }

  @Test
  void open_isUnavailable_whenNoPackageDomain() {
    SysfsFixture f = new SysfsFixture(sys);
    domain(f, "intel-rapl:0:0", "core", 1, 10);
    assertThatThrownBy(() -> RaplMeter.open(sys, f.clock))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("no RAPL package domain");
  }

  @Test
  void open_isUnavailable_namingTheFile_whenCounterUnreadable() {
    SysfsFixture f = new SysfsFixture(sys);
    domain(f, "intel-rapl:0", "package-0", 1, 10);
    f.unreadable("class/powercap/intel-rapl:0/energy_uj");
    assertThatThrownBy(() -> RaplMeter.open(sys, f.clock))
        .isInstanceOf(MeterUnavailableException.class)
        .hasMessageContaining("intel-rapl:0/energy_uj");
  }

  @Test
  void read_failsWithEnergyMeterException_whenCounterBecomesGarbage() {
    SysfsFixture f = new SysfsFixture(sys);
    domain(f, "intel-rapl:0", "package-0", 1, 10);
    try (RaplMeter meter = RaplMeter.open(sys, f.clock)) {
      f.file("class/powercap/intel-rapl:0/energy_uj", "bogus");
      assertThatThrownBy(meter::read)
          .isInstanceOf(EnergyMeterException.class)
          .hasMessageContaining("bogus");
    }
  }

  @Test
  void read_afterClose_isIllegalState() {
    SysfsFixture f = new SysfsFixture(sys);
    domain(f, "intel-rapl:0", "package-0", 1, 10);
    RaplMeter meter = RaplMeter.open(sys, f.clock);
    meter.close();
    meter.close();
    assertThatThrownBy(meter::read).isInstanceOf(IllegalStateException.class);
  }
}
