package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Intel/AMD RAPL package energy from {@code <sys>/class/powercap/intel-rapl:*}{@code /energy_uj}.
 *
 * <p>Only package domains (name {@code package-N}) are summed: the core/uncore/dram subdomains are
 * nested inside or beside them and would double count. Each counter wraps at {@code
 * max_energy_range_uj}; a read handles one wrap per domain since the previous read, which at the
 * ~262 kJ range of current CPUs means reading at least every few minutes even at full load. Recent
 * kernels make {@code energy_uj} readable by root only; then {@link #open} reports the meter
 * unavailable. Thread-safe.
 */
public final class RaplMeter implements EnergyMeter {

  private static final Pattern DOMAIN = Pattern.compile("intel-rapl:\\d+");

  private final List<Domain> domains;
  private final EnergySource source;
  private final MeterClock clock;
  private double joules;
  private boolean closed;

  private RaplMeter(List<Domain> domains, MeterClock clock) {
    this.domains = domains;
    this.clock = clock;
    String files =
        domains.stream().map(d -> d.energyFile.toString()).collect(Collectors.joining(", "));
    this.source = new EnergySource("rapl", "RAPL package energy counters " + files, true);
  }

  /**
   * Finds the package domains under {@code sysRoot} and takes their starting counts.
   *
   * @param sysRoot the sysfs root, {@code /sys} on a real machine
   * @throws MeterUnavailableException when there is no package domain or a counter cannot be read
   */
  public static RaplMeter open(Path sysRoot, MeterClock clock) {
    Objects.requireNonNull(clock, "clock");
    Path powercap = sysRoot.resolve("class/powercap");
    List<Domain> domains = new ArrayList<>();
    try {
      for (Path dir : SysfsFiles.list(powercap, DOMAIN)) {
        String name = SysfsFiles.readOptionalText(dir.resolve("name")).orElse("");
        if (!name.startsWith("package-")) {
          continue;
        }
        Path energy = dir.resolve("energy_uj");
        long max = SysfsFiles.readLong(dir.resolve("max_energy_range_uj"));
        if (max <= 0) {
          throw new IOException("max_energy_range_uj is " + max + " in " + dir);
        }
        domains.add(new Domain(energy, max, SysfsFiles.readLong(energy)));
      }
    } catch (IOException e) {
      throw new MeterUnavailableException(
          "RAPL under " + powercap + " unreadable: " + e.getMessage(), e);
    }
    if (domains.isEmpty()) {
      throw new MeterUnavailableException("no RAPL package domain under " + powercap);
    }
    return new RaplMeter(List.copyOf(domains), clock);
  }

  @Override
  public synchronized EnergyReading read() {
    if (closed) {
      throw new IllegalStateException("RAPL meter is closed");
    }
    for (Domain d : domains) {
      long now;
      try {
        now = SysfsFiles.readLong(d.energyFile);
      } catch (IOException e) {
        throw new EnergyMeterException("RAPL read failed: " + e.getMessage(), e);
      }
      joules += d.advance(now) * 1e-6;
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

  /** One package counter and its previous value. */
  private static final class Domain {
    private final Path energyFile;
    private final long maxRangeMicrojoules;
    private long last;

    Domain(Path energyFile, long maxRangeMicrojoules, long first) {
      this.energyFile = energyFile;
      this.maxRangeMicrojoules = maxRangeMicrojoules;
      this.last = first;
    }

    /** Microjoules since the previous value; a smaller value means the counter wrapped once. */
    long advance(long now) {
      long delta = now >= last ? now - last : (maxRangeMicrojoules - last) + now;
      last = now;
      return delta;
    }
  }
}
