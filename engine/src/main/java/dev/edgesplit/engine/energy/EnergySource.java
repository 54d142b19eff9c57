package dev.edgesplit.engine.energy;

import java.util.Objects;

/**
 * Where the joules of an {@link EnergyReading} come from.
 *
 * @param kind short machine-readable kind: "rapl", "hwmon", "power_supply", "rpi5-pmic", "command",
 *     "estimate"
 * @param description for people: the sysfs files read, the command run, or the device profile and
 *     formula
 * @param measured true when a sensor measured the energy; false for the CPU-utilisation estimate
 */
public record EnergySource(String kind, String description, boolean measured) {

  public EnergySource {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(description, "description");
    if (kind.isBlank()) {
      throw new IllegalArgumentException("energy source kind must not be blank");
    }
  }

  /** A label for logs and tables: {@code "rapl (measured)"} or {@code "estimate (estimated)"}. */
  public String label() {
    return kind + (measured ? " (measured)" : " (estimated)");
  }
}
