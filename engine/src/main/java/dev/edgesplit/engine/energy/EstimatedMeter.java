package dev.edgesplit.engine.energy;

import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * An estimate, not a measurement: P = P_idle + (P_max - P_idle) x u, where u is this process's CPU
 * utilisation over the interval since the previous read (CPU time / (wall time x cores)), clamped
 * to [0, 1].
 *
 * <p>Energy is integrated on each {@link #read()}, so the utilisation is the average of that
 * interval. The source is always {@code measured=false} and names the profile and the formula.
 * Thread-safe.
 */
public final class EstimatedMeter implements EnergyMeter {

  private final DeviceProfile profile;
  private final MeterClock clock;
  private final LongSupplier processCpuNanos;
  private final int cores;
  private final EnergySource source;

  private double joules;
  private long lastWallNanos;
  private long lastCpuNanos;
  private boolean closed;

  /**
   * @param processCpuNanos cumulative CPU time of the process in nanoseconds
   * @param cores logical cores the utilisation is relative to
   */
  public EstimatedMeter(
      DeviceProfile profile, MeterClock clock, LongSupplier processCpuNanos, int cores) {
    this(profile, clock, new ProcessCpuClock.Reader(processCpuNanos, "process CPU time"), cores);
  }

  /**
   * @param processCpu how the CPU time of the process is read (named in the source's description)
   * @param cores logical cores the utilisation is relative to
   */
  public EstimatedMeter(
      DeviceProfile profile, MeterClock clock, ProcessCpuClock.Reader processCpu, int cores) {
    this.profile = Objects.requireNonNull(profile, "profile");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.processCpuNanos = Objects.requireNonNull(processCpu, "processCpu").nanos();
    if (cores <= 0) {
      throw new IllegalArgumentException("cores must be positive, got " + cores);
    }
    this.cores = cores;
    this.source =
        new EnergySource(
            "estimate",
            String.format(
                Locale.ROOT,
                "estimate for %s: P = %.2f W + (%.2f W - %.2f W) x process CPU utilisation over %d cores (%s; CPU time: %s)",
                profile.name(),
                profile.idleWatts(),
                profile.maxWatts(),
                profile.idleWatts(),
                cores,
                profile.basis(),
                processCpu.description()),
            false);
    this.lastWallNanos = clock.nanoTime();
    this.lastCpuNanos = processCpuNanos.getAsLong();
  }

  /** An estimate for this JVM process with the system clocks and all available processors. */
  public static EstimatedMeter forThisProcess(DeviceProfile profile) {
    return new EstimatedMeter(
        profile,
        MeterClock.system(),
        ProcessCpuClock.best(),
        Runtime.getRuntime().availableProcessors());
  }

  public DeviceProfile profile() {
    return profile;
  }

  @Override
  public synchronized EnergyReading read() {
    if (closed) {
      throw new IllegalStateException("estimated energy meter is closed");
    }
    long wall = clock.nanoTime();
    long cpu = processCpuNanos.getAsLong();
    long wallDelta = wall - lastWallNanos;
    if (wallDelta > 0) {
      double utilisation =
          Math.min(
              1.0, Math.max(0.0, (double) (cpu - lastCpuNanos) / ((double) wallDelta * cores)));
      double watts = profile.idleWatts() + (profile.maxWatts() - profile.idleWatts()) * utilisation;
      joules += watts * wallDelta / 1e9;
      lastWallNanos = wall;
      lastCpuNanos = cpu;
    }
    return new EnergyReading(joules, clock.now(), source);
  }

  @Override
  public EnergySource source() {
    return source;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
