package dev.edgesplit.engine.energy;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@link EnergyMeters#probe} looks for a meter.
 *
 * @param clock clocks for integrating meters
 * @param samplePeriod sampler period of power-integrating meters; zero integrates only on reads
 * @param pmic where Raspberry Pi 5 PMIC text comes from; tried only on a Pi 5
 * @param command an operator power command printing watts; empty when none is configured
 * @param commandTimeout longest one run of {@code command} may take
 * @param estimateProfile profile of the fallback estimate; null detects it from the device tree
 */
public record ProbeOptions(
    MeterClock clock,
    Duration samplePeriod,
    PmicTextSource pmic,
    List<String> command,
    Duration commandTimeout,
    DeviceProfile estimateProfile) {

  public ProbeOptions {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(samplePeriod, "samplePeriod");
    Objects.requireNonNull(pmic, "pmic");
    command = List.copyOf(command);
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    if (samplePeriod.isNegative()) {
      throw new IllegalArgumentException("samplePeriod must not be negative: " + samplePeriod);
    }
  }

  /** System clocks, a 100 ms sampler, vcgencmd, no command, detected profile. */
  public static ProbeOptions defaults() {
    return new ProbeOptions(
        MeterClock.system(),
        Duration.ofMillis(100),
        PmicTextSource.vcgencmd(),
        List.of(),
        Duration.ofSeconds(2),
        null);
  }

  public ProbeOptions withClock(MeterClock value) {
    return new ProbeOptions(value, samplePeriod, pmic, command, commandTimeout, estimateProfile);
  }

  public ProbeOptions withSamplePeriod(Duration value) {
    return new ProbeOptions(clock, value, pmic, command, commandTimeout, estimateProfile);
  }

  public ProbeOptions withPmic(PmicTextSource value) {
    return new ProbeOptions(clock, samplePeriod, value, command, commandTimeout, estimateProfile);
  }

  public ProbeOptions withCommand(List<String> value) {
    return new ProbeOptions(clock, samplePeriod, pmic, value, commandTimeout, estimateProfile);
  }

  public ProbeOptions withEstimateProfile(DeviceProfile value) {
    return new ProbeOptions(clock, samplePeriod, pmic, command, commandTimeout, value);
  }
}
