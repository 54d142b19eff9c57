package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads {@code <sys>/class/thermal/thermal_zone*}{@code /temp} (milli-degrees Celsius) and {@code
 * <sys>/devices/system/cpu/cpu*}{@code /cpufreq/scaling_cur_freq} against {@code scaling_max_freq},
 * and says whether the board is throttling, since throttling changes per-layer times and may call
 * for another cut.
 *
 * <p>A zone is hot when its temperature reaches its lowest {@code passive} trip point, or the
 * default threshold when it has none. A CPU is capped when {@code scaling_max_freq} is below {@code
 * cpuinfo_max_freq}, which is how the kernel's cpufreq cooling device throttles. A CPU merely
 * idling below its maximum (governor choice) is not throttling; it only shows in {@link
 * ThermalState#slowestFrequencyRatio()}. Stateless and thread-safe.
 */
public final class ThermalMonitor {

  private static final Pattern ZONE = Pattern.compile("thermal_zone\\d+");
  private static final Pattern CPU = Pattern.compile("cpu\\d+");
  private static final Pattern TRIP_TYPE = Pattern.compile("trip_point_\\d+_type");

  private final Path sysRoot;
  private final double defaultThrottleCelsius;

  /**
   * @param sysRoot the sysfs root, {@code /sys} on a real machine
   * @param defaultThrottleCelsius threshold for zones without a passive trip point (80 on a
   *     Raspberry Pi)
   */
  public ThermalMonitor(Path sysRoot, double defaultThrottleCelsius) {
    this.sysRoot = Objects.requireNonNull(sysRoot, "sysRoot");
    this.defaultThrottleCelsius = defaultThrottleCelsius;
  }

  /** A snapshot; unreadable zones and CPUs are left out rather than failing the whole read. */
  public ThermalState read() {
    List<ThermalState.Zone> zones = new ArrayList<>();
    List<ThermalState.CpuFrequency> cpus = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    for (Path zone : list(sysRoot.resolve("class/thermal"), ZONE)) {
      try {
        double celsius = SysfsFiles.readLong(zone.resolve("temp")) / 1000.0;
        String type = SysfsFiles.readOptionalText(zone.resolve("type")).orElse("");
        double limit = passiveTripCelsius(zone);
        ThermalState.Zone z =
            new ThermalState.Zone(zone.getFileName().toString(), type, celsius, limit);
        zones.add(z);
        if (celsius >= limit) {
          reasons.add(
              String.format(
                  Locale.ROOT, "%s (%s) at %.1f C >= %.1f C", z.name(), type, celsius, limit));
        }
      } catch (IOException e) {
        // A zone whose sensor is off (some report EINVAL) says nothing about throttling.
      }
    }
    for (Path cpu : list(sysRoot.resolve("devices/system/cpu"), CPU)) {
      Path freq = cpu.resolve("cpufreq");
      try {
        long cur = SysfsFiles.readLong(freq.resolve("scaling_cur_freq"));
        long max = SysfsFiles.readLong(freq.resolve("scaling_max_freq"));
        long hw =
            SysfsFiles.readOptionalText(freq.resolve("cpuinfo_max_freq"))
                .map(Long::parseLong)
                .orElse(max);
        int index = Integer.parseInt(cpu.getFileName().toString().substring(3));
        ThermalState.CpuFrequency f = new ThermalState.CpuFrequency(index, cur, max, hw);
        cpus.add(f);
        if (max < hw) {
          reasons.add(
              String.format(
                  Locale.ROOT, "cpu%d capped at %d kHz < %d kHz hardware maximum", index, max, hw));
        }
      } catch (IOException | RuntimeException e) {
        // cpufreq is absent on VMs and on offline CPUs.
      }
    }
    return new ThermalState(zones, cpus, !reasons.isEmpty(), reasons);
  }

  private double passiveTripCelsius(Path zone) {
    double lowest = Double.POSITIVE_INFINITY;
    for (Path typeFile : list(zone, TRIP_TYPE)) {
      String type = SysfsFiles.readOptionalText(typeFile).orElse("");
      if (!"passive".equals(type)) {
        continue;
      }
      String name = typeFile.getFileName().toString().replace("_type", "_temp");
      try {
        lowest = Math.min(lowest, SysfsFiles.readLong(zone.resolve(name)) / 1000.0);
      } catch (IOException e) {
        // Unreadable trip point: fall back to the default below.
      }
    }
    return Double.isInfinite(lowest) ? defaultThrottleCelsius : lowest;
  }

  private static List<Path> list(Path dir, Pattern names) {
    try {
      return SysfsFiles.list(dir, names);
    } catch (IOException e) {
      return List.of();
    }
  }
}
