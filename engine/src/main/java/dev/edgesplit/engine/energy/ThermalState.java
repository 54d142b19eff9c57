package dev.edgesplit.engine.energy;

import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A snapshot of temperatures and CPU frequencies.
 *
 * @param zones every readable thermal zone
 * @param cpus every CPU with cpufreq
 * @param throttled true when a zone is at or past its throttle temperature or a CPU's frequency is
 *     capped below its hardware maximum
 * @param reasons why {@code throttled} is true; empty otherwise
 */
public record ThermalState(
    List<Zone> zones, List<CpuFrequency> cpus, boolean throttled, List<String> reasons) {

  public ThermalState {
    zones = List.copyOf(zones);
    cpus = List.copyOf(cpus);
    reasons = List.copyOf(reasons);
    if (throttled == reasons.isEmpty()) {
      throw new IllegalArgumentException("throttled must be true exactly when there are reasons");
    }
  }

  /** Hottest zone, if any. */
  public OptionalDouble maxCelsius() {
    return zones.stream().mapToDouble(Zone::celsius).max();
  }

  /**
   * Slowest current frequency relative to the policy maximum ({@code scaling_cur_freq /
   * scaling_max_freq}), 1.0 when no cpufreq is present. Per-layer times measured at full clock
   * scale roughly by its inverse.
   */
  public double slowestFrequencyRatio() {
    return cpus.stream().mapToDouble(CpuFrequency::ratio).min().orElse(1.0);
  }

  /**
   * One thermal zone.
   *
   * @param name zone directory name ("thermal_zone0")
   * @param type the zone's {@code type} ("cpu-thermal", "x86_pkg_temp"), empty when absent
   * @param celsius temperature
   * @param throttleCelsius lowest passive trip point, or the monitor's default threshold
   */
  public record Zone(String name, String type, double celsius, double throttleCelsius) {
    public Zone {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
    }
  }

  /**
   * One CPU's clocks, in kHz as sysfs prints them.
   *
   * @param cpu index N of cpuN
   * @param curKhz {@code scaling_cur_freq}
   * @param maxKhz {@code scaling_max_freq} (the policy limit, lowered by thermal capping)
   * @param hardwareMaxKhz {@code cpuinfo_max_freq}, or {@code maxKhz} when absent
   */
  public record CpuFrequency(int cpu, long curKhz, long maxKhz, long hardwareMaxKhz) {
    public CpuFrequency {
      if (curKhz < 0 || maxKhz <= 0 || hardwareMaxKhz <= 0) {
        throw new IllegalArgumentException(
            "cpu"
                + cpu
                + " has impossible frequencies "
                + curKhz
                + "/"
                + maxKhz
                + "/"
                + hardwareMaxKhz
                + " kHz");
      }
    }

    /** {@code curKhz / maxKhz}. */
    public double ratio() {
      return (double) curKhz / maxKhz;
    }
  }
}
