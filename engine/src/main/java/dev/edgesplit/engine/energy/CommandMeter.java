package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Power from an operator-supplied command that prints the current draw in watts (one number), for
 * meters edgesplit does not know (a smart plug, a USB power meter, a BMC). Integrated over time;
 * every sample runs the command once, so keep the sample period well above the command's run time.
 * Thread-safe.
 */
public final class CommandMeter extends IntegratedMeter {

  private CommandMeter(PowerIntegrator integrator) {
    super(integrator);
  }

  /**
   * Runs the command once to check it and starts integrating.
   *
   * @param command program and arguments; its standard output must be one number of watts
   * @param timeout longest a single run may take
   * @param samplePeriod sampler thread period; zero integrates only on {@link #read()}
   * @throws MeterUnavailableException when the first run fails or prints something else
   */
  public static CommandMeter open(
      List<String> command, Duration timeout, MeterClock clock, Duration samplePeriod) {
    List<String> cmd = List.copyOf(command);
    if (cmd.isEmpty()) {
      throw new IllegalArgumentException("power command must not be empty");
    }
    PowerSensor sensor = () -> parseWatts(cmd, ProcessText.run(cmd, timeout));
    EnergySource source =
        new EnergySource("command", "watts printed by '" + String.join(" ", cmd) + "'", true);
    try {
      return new CommandMeter(new PowerIntegrator(sensor, source, clock, samplePeriod));
    } catch (IOException e) {
      throw new MeterUnavailableException("power command unusable: " + e.getMessage(), e);
    }
  }

  static double parseWatts(List<String> command, String output) throws IOException {
    String text = output.trim();
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IOException(
          "'"
              + String.join(" ", command)
              + "' printed '"
              + SysfsFiles.abbreviate(text)
              + "', expected one number of watts",
          e);
    }
  }
}
