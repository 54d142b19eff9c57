package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PowerIntegratorTest {

  @TempDir Path sys;
  private final EnergySource source = new EnergySource("test", "fixture", true);

  @Test
  void samplerThread_samplesBetweenReads_soShortBurstsAreCounted() throws Exception {
    SysfsFixture f = new SysfsFixture(sys);
    AtomicReference<Double> watts = new AtomicReference<>(1.0);
    CountDownLatch burstSampled = new CountDownLatch(1);
    PowerSensor sensor =
        () -> {
          double w = watts.get();
          if (w == 100.0) {
            burstSampled.countDown();
          }
          return w;
        };
    try (PowerIntegrator meter =
        new PowerIntegrator(sensor, source, f.clock, Duration.ofMillis(2))) {
      watts.set(100.0);
      assertThat(burstSampled.await(5, TimeUnit.SECONDS)).as("sampler saw the burst").isTrue();
      f.advanceSeconds(1);
      watts.set(1.0);
      // Without the sampler the read would see 1 W at both ends: 1 J over the second. With the
      // burst sample
      // at its start the trapezoid gives at least (100 + 1) / 2 J.
      assertThat(meter.read().joules()).isGreaterThan(40.0);
    }
  }

  @Test
  void read_reportsSensorFailure_andCloseIsIdempotent() throws Exception {
    SysfsFixture f = new SysfsFixture(sys);
    AtomicReference<Double> watts = new AtomicReference<>(2.0);
    PowerSensor sensor =
        () -> {
          Double w = watts.get();
          if (w == null) {
            throw new IOException("sensor gone");
          }
          return w;
        };
    PowerIntegrator meter = new PowerIntegrator(sensor, source, f.clock, Duration.ZERO);
    f.advanceSeconds(0.5);
    assertThat(meter.read().joules()).isCloseTo(1.0, within(1e-12));
    watts.set(null);
    assertThatThrownBy(meter::read)
        .isInstanceOf(EnergyMeterException.class)
        .hasMessageContaining("sensor gone");
    watts.set(-3.0);
    assertThatThrownBy(meter::read)
        .isInstanceOf(EnergyMeterException.class)
        .hasMessageContaining("impossible");
    meter.close();
    meter.close();
    assertThatThrownBy(meter::read).isInstanceOf(IllegalStateException.class);
  }
}
