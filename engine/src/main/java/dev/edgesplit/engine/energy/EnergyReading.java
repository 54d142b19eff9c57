package dev.edgesplit.engine.energy;

import java.time.Instant;
import java.util.Objects;

/**
 * Cumulative energy a meter has counted since it was opened.
 *
 * @param joules cumulative joules since the meter was opened; never negative, never decreasing for
 *     one meter
 * @param at when the reading was taken
 * @param source what produced the number
 */
public record EnergyReading(double joules, Instant at, EnergySource source) {

  public EnergyReading {
    if (!Double.isFinite(joules) || joules < 0) {
      throw new IllegalArgumentException(
          "cumulative joules must be finite and >= 0, got " + joules);
    }
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(source, "source");
  }

  /** Joules counted between {@code earlier} and this reading. */
  public double joulesSince(EnergyReading earlier) {
    return joules - earlier.joules;
  }
}
