package dev.edgesplit.server.energy;

import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergyReading;
import java.time.Duration;
import java.util.Objects;

/**
 * Watts between consecutive reads, from a meter's cumulative joules: what a power gauge shows at
 * each scrape. Thread-safe. The caller owns and closes the meter.
 */
public final class PowerGauge {

  private final EnergyMeter meter;
  private EnergyReading last;

  /** Takes the first reading now: the first {@link #watts()} covers the time since construction. */
  public PowerGauge(EnergyMeter meter) {
    this.meter = Objects.requireNonNull(meter, "meter");
    this.last = meter.read();
  }

  /** Mean power since the previous call (or construction); NaN when no time has passed. */
  public synchronized double watts() {
    EnergyReading now = meter.read();
    double seconds = Duration.between(last.at(), now.at()).toNanos() / 1e9;
    double w = seconds > 0 ? Math.max(0, now.joulesSince(last)) / seconds : Double.NaN;
    last = now;
    return w;
  }
}
