package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EstimatedMeterTest {

  @TempDir Path sys;
  private final DeviceProfile profile =
      new DeviceProfile("test", "Test Board", 2.0, 10.0, "fixture");

  @Test
  void read_integratesIdlePlusUtilisationShareOfDynamicPower() {
    SysfsFixture f = new SysfsFixture(sys);
    AtomicLong cpu = new AtomicLong(5_000_000_000L);
    try (EstimatedMeter meter = new EstimatedMeter(profile, f.clock, cpu::get, 2)) {
      f.advanceSeconds(1);
      cpu.addAndGet(1_000_000_000L); // one core of two busy: u = 0.5, P = 2 + 8 x 0.5 = 6 W
      assertThat(meter.read().joules()).isCloseTo(6.0, within(1e-9));
      f.advanceSeconds(2); // idle: 2 W for 2 s
      assertThat(meter.read().joules()).isCloseTo(10.0, within(1e-9));
      f.advanceSeconds(1);
      cpu.addAndGet(3_000_000_000L); // more than all cores: clamped to u = 1
      EnergyReading r = meter.read();
      assertThat(r.joules()).isCloseTo(20.0, within(1e-9));
      assertThat(r.source().measured()).isFalse();
      assertThat(r.source().kind()).isEqualTo("estimate");
      assertThat(r.source().description())
          .contains("Test Board")
          .contains("P = 2.00 W + (10.00 W - 2.00 W)");
    }
  }

  @Test
  void forThisProcess_readsRealCpuTime() {
    try (EstimatedMeter meter = EstimatedMeter.forThisProcess(DeviceProfile.RASPBERRY_PI_5)) {
      assertThat(meter.read().joules()).isGreaterThanOrEqualTo(0.0);
      assertThat(meter.source().description())
          .contains("Raspberry Pi 5")
          .contains("DESIGN.md")
          .contains("CPU time: " + ProcessCpuClock.best().description());
    }
  }

  @Test
  void deviceProfile_rejectsMaxBelowIdle_andKnowsBuiltIns() {
    assertThatThrownBy(() -> new DeviceProfile("x", "x", 5, 4, "b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(DeviceProfile.byId("rpi5").idleWatts()).isEqualTo(2.7);
    assertThat(DeviceProfile.byId("rpi5").maxWatts()).isEqualTo(10.0);
    assertThatThrownBy(() -> DeviceProfile.byId("toaster")).hasMessageContaining("rpi4");
  }

  @Test
  void deviceProfile_detect_readsTheDeviceTreeModel() {
    new SysfsFixture(sys)
        .file("firmware/devicetree/base/model", "Raspberry Pi 5 Model B Rev 1.0\0");
    assertThat(DeviceProfile.detect(sys)).isEqualTo(DeviceProfile.RASPBERRY_PI_5);
    assertThat(DeviceProfile.detect(sys.resolve("nowhere")))
        .isEqualTo(DeviceProfile.GENERIC_X86_SERVER);
  }
}
