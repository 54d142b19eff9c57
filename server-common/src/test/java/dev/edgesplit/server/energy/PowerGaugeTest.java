package dev.edgesplit.server.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergyReading;
import dev.edgesplit.engine.energy.EnergySource;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PowerGaugeTest {

  /** A meter whose cumulative joules and clock the test sets. */
  private static final class ScriptedMeter implements EnergyMeter {
    private final EnergySource source = new EnergySource("test", "scripted", true);
    double joules;
    Instant at = Instant.EPOCH;

    @Override
    public EnergyReading read() {
      return new EnergyReading(joules, at, source);
    }

    @Override
    public EnergySource source() {
      return source;
    }

    @Override
    public void close() {}
  }

  @Test
  void watts_areTheJoulesBetweenReadsOverTheirSeconds() {
    ScriptedMeter meter = new ScriptedMeter();
    meter.joules = 10;
    PowerGauge gauge = new PowerGauge(meter);
    meter.joules = 16;
    meter.at = Instant.EPOCH.plusSeconds(2);
    assertThat(gauge.watts()).isCloseTo(3.0, within(1e-9));
    meter.joules = 17;
    meter.at = Instant.EPOCH.plusMillis(2500);
    assertThat(gauge.watts()).isCloseTo(2.0, within(1e-9));
  }

  @Test
  void watts_isNaN_whenNoTimePassed_andNeverNegative_whenACounterResets() {
    ScriptedMeter meter = new ScriptedMeter();
    meter.joules = 5;
    PowerGauge gauge = new PowerGauge(meter);
    assertThat(gauge.watts()).isNaN();
    meter.joules = 1;
    meter.at = Instant.EPOCH.plusSeconds(1);
    assertThat(gauge.watts()).isZero();
  }
}
