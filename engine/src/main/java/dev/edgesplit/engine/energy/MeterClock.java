package dev.edgesplit.engine.energy;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The two clocks a meter needs: a monotonic one for integrating power over time, and a wall clock
 * to stamp readings. Tests pass a manual clock so integration is exact.
 *
 * @param wall stamps readings
 * @param nanos monotonic nanoseconds (like {@link System#nanoTime()}); only differences matter
 */
public record MeterClock(Clock wall, LongSupplier nanos) {

  public MeterClock {
    Objects.requireNonNull(wall, "wall");
    Objects.requireNonNull(nanos, "nanos");
  }

  /** The system clocks. */
  public static MeterClock system() {
    return new MeterClock(Clock.systemUTC(), System::nanoTime);
  }

  public Instant now() {
    return wall.instant();
  }

  public long nanoTime() {
    return nanos.getAsLong();
  }
}
