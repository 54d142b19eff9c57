package dev.edgesplit.engine.energy;

import dev.edgesplit.engine.energy.SysfsSensorSearch.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Power from a battery or USB-PD supply under {@code <sys>/class/power_supply/*}: {@code power_now}
 * (microwatts), or {@code current_now} (microamps) times {@code voltage_now} (microvolts),
 * integrated over time.
 *
 * <p>The first supply (in name order) exposing either is used; summing several would double count a
 * battery charged through a USB-PD port. The current's sign convention differs between drivers, so
 * its magnitude is used. Thread-safe.
 */
public final class PowerSupplyMeter extends IntegratedMeter {

  private static final Pattern ANY = Pattern.compile("[^.].*");

  private PowerSupplyMeter(PowerIntegrator integrator) {
    super(integrator);
  }

  /**
   * Finds a supply with power readings and takes the first sample.
   *
   * @param sysRoot the sysfs root, {@code /sys} on a real machine
   * @param samplePeriod sampler thread period; zero integrates only on {@link #read()}
   * @throws MeterUnavailableException when no supply has readable power or current and voltage
   */
  public static PowerSupplyMeter open(Path sysRoot, MeterClock clock, Duration samplePeriod) {
    Path supplies = sysRoot.resolve("class/power_supply");
    return new PowerSupplyMeter(
        SysfsSensorSearch.first(
            supplies,
            ANY,
            "power_supply",
            PowerSupplyMeter::probe,
            clock,
            samplePeriod,
            "no readable power_now or current_now+voltage_now under " + supplies));
  }

  private static Optional<Probe> probe(Path supply) {
    Path power = supply.resolve("power_now");
    Path current = supply.resolve("current_now");
    Path voltage = supply.resolve("voltage_now");
    if (Files.exists(power)) {
      return Optional.of(
          Probe.found(
              () -> Math.abs(SysfsFiles.readLong(power)) * 1e-6, "power_supply " + power + " uW"));
    }
    if (Files.exists(current) && Files.exists(voltage)) {
      return Optional.of(
          Probe.found(
              () ->
                  Math.abs(SysfsFiles.readLong(current))
                      * 1e-6
                      * SysfsFiles.readLong(voltage)
                      * 1e-6,
              "power_supply " + current + " uA x " + voltage + " uV"));
    }
    return Optional.empty();
  }
}
