package dev.edgesplit.engine.energy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the best energy meter this machine offers. */
public final class EnergyMeters {

  private static final Logger LOG = LoggerFactory.getLogger(EnergyMeters.class);

  private EnergyMeters() {}

  /**
   * Tries, in order: RAPL, hwmon power monitors, power_supply, the Raspberry Pi 5 PMIC (only when
   * the device tree says Pi 5), the operator command (only when configured), and finally the
   * CPU-utilisation estimate, which always succeeds. Each kind passed over is logged with its
   * reason; falling back to the estimate is logged as a warning naming the estimate's profile.
   *
   * @param sysRoot the sysfs root, {@code /sys} on a real machine; tests pass a fixture tree
   */
  public static MeterChoice probe(Path sysRoot, ProbeOptions options) {
    Objects.requireNonNull(sysRoot, "sysRoot");
    Objects.requireNonNull(options, "options");
    List<String> skipped = new ArrayList<>();
    MeterClock clock = options.clock();
    EnergyMeter meter =
        firstAvailable(
            skipped,
            attempt("rapl", () -> RaplMeter.open(sysRoot, clock)),
            attempt("hwmon", () -> HwmonMeter.open(sysRoot, clock, options.samplePeriod())),
            attempt(
                "power_supply",
                () -> PowerSupplyMeter.open(sysRoot, clock, options.samplePeriod())),
            attempt("rpi5-pmic", () -> openPmic(sysRoot, options)),
            attempt("command", () -> openCommand(options)));
    if (meter != null) {
      LOG.info("energy meter: {} ({})", meter.source().label(), meter.source().description());
      return new MeterChoice(meter, skipped);
    }
    DeviceProfile profile =
        options.estimateProfile() != null
            ? options.estimateProfile()
            : DeviceProfile.detect(sysRoot);
    EstimatedMeter estimate =
        new EstimatedMeter(
            profile, clock, ProcessCpuClock.best(), Runtime.getRuntime().availableProcessors());
    LOG.warn(
        "no energy sensor found; energy is ESTIMATED with profile {}: {}",
        profile.id(),
        String.join("; ", skipped));
    return new MeterChoice(estimate, skipped);
  }

  private static EnergyMeter openPmic(Path sysRoot, ProbeOptions options) {
    String model =
        SysfsFiles.readOptionalText(sysRoot.resolve("firmware/devicetree/base/model")).orElse("");
    if (!model.toLowerCase(Locale.ROOT).contains("raspberry pi 5")) {
      throw new MeterUnavailableException(
          "not a Raspberry Pi 5 (device-tree model '" + model.replace("\0", "") + "')");
    }
    return Rpi5PmicMeter.open(options.pmic(), options.clock(), options.samplePeriod());
  }

  private static EnergyMeter openCommand(ProbeOptions options) {
    if (options.command().isEmpty()) {
      throw new MeterUnavailableException("no power command configured");
    }
    return CommandMeter.open(
        options.command(), options.commandTimeout(), options.clock(), options.samplePeriod());
  }

  private static EnergyMeter firstAvailable(List<String> skipped, Attempt... attempts) {
    for (Attempt a : attempts) {
      try {
        return a.open.get();
      } catch (EnergyMeterException e) {
        String reason = a.kind + ": " + e.getMessage();
        skipped.add(reason);
        LOG.debug("energy meter {} unavailable", reason);
      }
    }
    return null;
  }

  private static Attempt attempt(String kind, Supplier<EnergyMeter> open) {
    return new Attempt(kind, open);
  }

  private static final class Attempt {
    private final String kind;
    private final Supplier<EnergyMeter> open;

    Attempt(String kind, Supplier<EnergyMeter> open) {
      this.kind = kind;
      this.open = open;
    }
  }
}
