package dev.edgesplit.engine.energy;

import dev.edgesplit.engine.energy.SysfsSensorSearch.Probe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Board power from an hwmon power monitor chip (INA219/INA226/INA3221 and relatives, Jetson rails)
 * under {@code <sys>/class/hwmon/hwmon*}, integrated over time.
 *
 * <p>Per chip, {@code power*_input} (microwatts) is used when present, else {@code currN_input}
 * (mA) times {@code inN_input} (mV) for each N that has both. When a channel is labelled {@code
 * VDD_IN} (the Jetson total input rail) only that channel is used, since the other rails are parts
 * of it. The first chip (in hwmon order) whose {@code name} is a known power monitor is used.
 * Thread-safe.
 */
public final class HwmonMeter extends IntegratedMeter {

  /** hwmon chip names of current/power monitors whose channels measure board rails. */
  static final Set<String> POWER_MONITOR_CHIPS =
      Set.of(
          "ina209", "ina219", "ina220", "ina226", "ina230", "ina231", "ina238", "ina260",
          "ina3221");

  private static final Pattern HWMON = Pattern.compile("hwmon\\d+");
  private static final Pattern POWER = Pattern.compile("power(\\d+)_input");
  private static final Pattern CURRENT = Pattern.compile("curr(\\d+)_input");
  private static final String TOTAL_INPUT_LABEL = "VDD_IN";

  private HwmonMeter(PowerIntegrator integrator) {
    super(integrator);
  }

  /**
   * Finds a power monitor chip and takes the first sample.
   *
   * @param sysRoot the sysfs root, {@code /sys} on a real machine
   * @param samplePeriod sampler thread period; zero integrates only on {@link #read()}
   * @throws MeterUnavailableException when no known chip has readable power channels
   */
  public static HwmonMeter open(Path sysRoot, MeterClock clock, Duration samplePeriod) {
    Path hwmon = sysRoot.resolve("class/hwmon");
    String noneFound =
        "no readable hwmon power monitor ("
            + String.join("/", POWER_MONITOR_CHIPS.stream().sorted().toList())
            + ") under "
            + hwmon;
    return new HwmonMeter(
        SysfsSensorSearch.first(
            hwmon, HWMON, "hwmon", HwmonMeter::probe, clock, samplePeriod, noneFound));
  }

  private static Optional<Probe> probe(Path chip) throws IOException {
    String name = SysfsFiles.readOptionalText(chip.resolve("name")).orElse("");
    if (!POWER_MONITOR_CHIPS.contains(name.toLowerCase(Locale.ROOT))) {
      return Optional.empty();
    }
    List<Channel> channels = channels(chip);
    if (channels.isEmpty()) {
      return Optional.of(
          Probe.skipped(chip + " (" + name + ") has no power or current+voltage channel"));
    }
    String description =
        "hwmon "
            + name
            + " at "
            + chip
            + ": "
            + channels.stream().map(Channel::describe).collect(Collectors.joining(" + "));
    return Optional.of(Probe.found(() -> sum(channels), description));
  }

  private static List<Channel> channels(Path chip) throws IOException {
    List<Channel> power = new ArrayList<>();
    List<Channel> currentVoltage = new ArrayList<>();
    for (Path file : SysfsFiles.list(chip, Pattern.compile("(power|curr)\\d+_input"))) {
      String fileName = file.getFileName().toString();
      Matcher p = POWER.matcher(fileName);
      Matcher c = CURRENT.matcher(fileName);
      if (p.matches()) {
        String label = label(chip, "power" + p.group(1), null);
        power.add(new Channel(file, null, label));
      } else if (c.matches()) {
        Path volts = chip.resolve("in" + c.group(1) + "_input");
        if (Files.exists(volts)) {
          String label = label(chip, "curr" + c.group(1), "in" + c.group(1));
          currentVoltage.add(new Channel(file, volts, label));
        }
      }
    }
    List<Channel> chosen = power.isEmpty() ? currentVoltage : power;
    List<Channel> total =
        chosen.stream().filter(ch -> TOTAL_INPUT_LABEL.equalsIgnoreCase(ch.label)).toList();
    return total.isEmpty() ? chosen : total;
  }

  private static String label(Path chip, String prefix, String alternative) {
    return SysfsFiles.readOptionalText(chip.resolve(prefix + "_label"))
        .or(
            () ->
                alternative == null
                    ? Optional.empty()
                    : SysfsFiles.readOptionalText(chip.resolve(alternative + "_label")))
        .orElse("");
  }

  private static double sum(List<Channel> channels) throws IOException {
    double watts = 0;
    for (Channel ch : channels) {
      watts += ch.watts();
    }
    return watts;
  }

  /** A power input (uW), or a current input (mA) paired with a voltage input (mV). */
  private static final class Channel {
    private final Path first;
    private final Path volts;
    private final String label;

    Channel(Path first, Path volts, String label) {
      this.first = Objects.requireNonNull(first);
      this.volts = volts;
      this.label = label;
    }

    double watts() throws IOException {
      if (volts == null) {
        return SysfsFiles.readLong(first) * 1e-6;
      }
      // mA x mV = uW; a reverse current sign convention must not subtract energy.
      return Math.abs(SysfsFiles.readLong(first)) * (double) SysfsFiles.readLong(volts) * 1e-6;
    }

    String describe() {
      String what =
          volts == null
              ? first.getFileName() + " uW"
              : first.getFileName() + " mA x " + volts.getFileName() + " mV";
      return label.isEmpty() ? what : label + " " + what;
    }
  }
}
