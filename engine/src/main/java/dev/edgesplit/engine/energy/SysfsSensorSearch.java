package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The search {@link HwmonMeter} and {@link PowerSupplyMeter} share: walk the devices of a sysfs
 * class folder in natural order and integrate the first one whose power sensor gives a first
 * sample. A device that is no candidate is passed over silently; one that is a candidate but cannot
 * be read is named in the error when no device works.
 */
final class SysfsSensorSearch {

  private SysfsSensorSearch() {}

  /** What a device offers: a sensor and its description, or why it is passed over. */
  record Probe(PowerSensor sensor, String description, String skipped) {

    static Probe found(PowerSensor sensor, String description) {
      return new Probe(sensor, description, null);
    }

    static Probe skipped(String why) {
      return new Probe(null, null, why);
    }
  }

  /** Looks at one device folder; empty when it is no candidate. */
  @FunctionalInterface
  interface Prober {
    Optional<Probe> probe(Path device) throws IOException;
  }

  /**
   * The first device's integrator.
   *
   * @param kind the {@link EnergySource#kind()} and the word that starts the unreadable-folder
   *     error
   * @param noneFound the start of the error when no device works (the reasons for skipped devices
   *     follow it)
   * @throws MeterUnavailableException when the folder cannot be listed or no device works
   */
  static PowerIntegrator first(
      Path dir,
      Pattern names,
      String kind,
      Prober prober,
      MeterClock clock,
      Duration samplePeriod,
      String noneFound) {
    List<String> skipped = new ArrayList<>();
    try {
      for (Path device : SysfsFiles.list(dir, names)) {
        Optional<Probe> probe = prober.probe(device);
        if (probe.isEmpty()) {
          continue;
        }
        if (probe.get().skipped() != null) {
          skipped.add(probe.get().skipped());
          continue;
        }
        try {
          EnergySource source = new EnergySource(kind, probe.get().description(), true);
          return new PowerIntegrator(probe.get().sensor(), source, clock, samplePeriod);
        } catch (IOException e) {
          skipped.add(e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new MeterUnavailableException(
          kind + " under " + dir + " unreadable: " + e.getMessage(), e);
    }
    throw new MeterUnavailableException(
        noneFound + (skipped.isEmpty() ? "" : ": " + String.join("; ", skipped)));
  }
}
