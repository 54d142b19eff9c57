package dev.edgesplit.server.energy;

import java.util.Objects;

/**
 * Energy attributed to one step.
 *
 * @param joules energy, >= 0
 * @param kind reader name ("none", "rapl", "hwmon", "estimate", ...)
 * @param measured true for a hardware counter or sensor, false for an estimate or no meter
 * @param description human-readable detail of the source
 */
public record EnergyReading(double joules, String kind, boolean measured, String description) {

  public EnergyReading {
    if (!(joules >= 0) || Double.isInfinite(joules)) {
      throw new IllegalArgumentException("joules must be finite and >= 0, got " + joules);
    }
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(description, "description");
  }
}
