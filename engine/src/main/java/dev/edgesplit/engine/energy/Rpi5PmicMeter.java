package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raspberry Pi 5 power from its PMIC's ADC, as printed by {@code vcgencmd pmic_read_adc},
 * integrated over time.
 *
 * <p>The output lists rail currents ({@code VDD_CORE_A current(7)=2.34567800A}) and voltages
 * ({@code VDD_CORE_V volt(15)=0.88000000V}). Rails with both are multiplied and summed. The PMIC
 * rails do not include the PMIC's own conversion losses or USB peripherals, so this undercounts
 * wall power somewhat. Thread-safe.
 */
public final class Rpi5PmicMeter extends IntegratedMeter {

  private static final Pattern LINE =
      Pattern.compile("^\\s*(\\S+)_([AV])\\s+(?:current|volt)\\(\\d+\\)=([-+0-9.eE]+)[AV]\\s*$");

  private Rpi5PmicMeter(PowerIntegrator integrator) {
    super(integrator);
  }

  /**
   * Reads the PMIC once to check that it works and starts integrating.
   *
   * @param text where the command's output comes from ({@link PmicTextSource#vcgencmd()} on a Pi 5)
   * @param samplePeriod sampler thread period; zero integrates only on {@link #read()}
   * @throws MeterUnavailableException when the command fails or prints no matching rail
   */
  public static Rpi5PmicMeter open(PmicTextSource text, MeterClock clock, Duration samplePeriod) {
    Objects.requireNonNull(text, "text");
    PowerSensor sensor = () -> parseWatts(text.read());
    EnergySource source =
        new EnergySource(
            "rpi5-pmic",
            "Raspberry Pi 5 PMIC rails (vcgencmd pmic_read_adc), sum of current x voltage",
            true);
    try {
      return new Rpi5PmicMeter(new PowerIntegrator(sensor, source, clock, samplePeriod));
    } catch (IOException e) {
      throw new MeterUnavailableException("Raspberry Pi 5 PMIC unavailable: " + e.getMessage(), e);
    }
  }

  /**
   * Total watts of the rails that have both a current and a voltage line.
   *
   * @throws IOException when no rail has both
   */
  static double parseWatts(String text) throws IOException {
    Map<String, Double> amps = new TreeMap<>();
    Map<String, Double> volts = new TreeMap<>();
    for (String line : text.split("\\R")) {
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      double value;
      try {
        value = Double.parseDouble(m.group(3));
      } catch (NumberFormatException e) {
        throw new IOException("bad number in PMIC line '" + line.trim() + "'", e);
      }
      ("A".equals(m.group(2)) ? amps : volts).put(m.group(1), value);
    }
    double watts = 0;
    int rails = 0;
    for (Map.Entry<String, Double> a : amps.entrySet()) {
      Double v = volts.get(a.getKey());
      if (v != null) {
        watts += Math.abs(a.getValue()) * v;
        rails++;
      }
    }
    if (rails == 0) {
      throw new IOException(
          "no rail with both current and voltage in PMIC output ("
              + text.lines().count()
              + " lines)");
    }
    return watts;
  }
}
