package dev.edgesplit.engine.energy;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * An estimate, not a measurement: P = P_idle + (P_max - P_idle) x u, where u is this process's CPU
 * utilisation over the interval since the previous read (CPU time / (wall time x cores)), clamped to [0, 1].
 *
 * <p>Energy is integrated on each {@link #read()}, so the utilisation is the average of that interval. The
 * source is always {@code measured=false} and names the profile and the formula. Thread-safe.
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
   * @param cores           logical cores the utilisation is relative to
   */
  public EstimatedMeter(DeviceProfile profile, MeterClock clock, LongSupplier processCpuNanos, int cores) {
    this.profile = Objects.requireNonNull(profile, "profile");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.processCpuNanos = Objects.requireNonNull(processCpuNanos, "processCpuNanos");
    if (cores <= 0) {
      throw new IllegalArgumentException("cores must be positive, got " + cores);
    }
    this.cores = cores;
    this.source = new EnergySource("estimate", String.format(Locale.ROOT,
        "estimate for %s: P = %.2f W + (%.2f W - %.2f W) x process CPU utilisation over %d cores (%s)",
        profile.name(), profile.idleWatts(), profile.maxWatts(), profile.idleWatts(), cores, profile.basis()),
        false);
    this.lastWallNanos = clock.nanoTime();
    this.lastCpuNanos = processCpuNanos.getAsLong();
  }

  /** An estimate for this JVM process with the system clocks and all available processors. */
  public static EstimatedMeter forThisProcess(DeviceProfile profile) {
    return new EstimatedMeter(profile, MeterClock.system(), thisProcessCpuNanos(),
        Runtime.getRuntime().availableProcessors());
  }

  /**
   * CPU time of this JVM: the management bean when it knows, else the process handle. The bean is looked up once:
   * the meter is read twice per generated token.
   */
  static LongSupplier thisProcessCpuNanos() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean bean && bean.getProcessCpuTime() >= 0) {
      return bean::getProcessCpuTime;
    }
    return () -> ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
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
      double utilisation = Math.min(1.0, Math.max(0.0, (double) (cpu - lastCpuNanos) / ((double) wallDelta * cores)));
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
