package dev.edgesplit.server.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations and rates written with units, as the configuration and the command line take them:
 * {@code 50ms}, {@code 2s}, {@code 1.5m}; {@code 10mbit}, {@code 1.5gbit}. A plain number is in the
 * unit its caller names, so each key and flag keeps the meaning it had before units. Stateless.
 */
public final class Units {

  private static final Pattern QUANTITY =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*([a-z/]*)");
  private static final Map<String, Long> NANOS =
      Map.of(
          "ns",
          1L,
          "us",
          1_000L,
          "ms",
          1_000_000L,
          "s",
          1_000_000_000L,
          "m",
          60_000_000_000L,
          "h",
          3_600_000_000_000L);
  private static final Map<String, Double> BITS =
      Map.ofEntries(
          Map.entry("bit", 1.0),
          Map.entry("bps", 1.0),
          Map.entry("bit/s", 1.0),
          Map.entry("kbit", 1e3),
          Map.entry("kbps", 1e3),
          Map.entry("kbit/s", 1e3),
          Map.entry("mbit", 1e6),
          Map.entry("mbps", 1e6),
          Map.entry("mbit/s", 1e6),
          Map.entry("gbit", 1e9),
          Map.entry("gbps", 1e9),
          Map.entry("gbit/s", 1e9));
  private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);

  private Units() {}

  /**
   * A duration: a non-negative number (decimals allowed) with {@code ns, us, ms, s, m} or {@code
   * h}, or a plain number in {@code plain} units. Rounded to the nanosecond.
   *
   * @throws IllegalArgumentException when the text is not such a duration or does not fit a {@link
   *     Duration}
   */
  public static Duration duration(String text, ChronoUnit plain) {
    Matcher m = match(text, "a duration (500ms, 20s, 5m, 1h)");
    // Not a ternary: one arm a primitive would unbox a missing unit into a NullPointerException.
    Long unit = NANOS.get(m.group(2));
    if (m.group(2).isEmpty()) {
      unit = plain.getDuration().toNanos();
    }
    if (unit == null) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration: the unit must be ns, us, ms, s, m or h");
    }
    BigInteger nanos =
        new BigDecimal(m.group(1))
            .multiply(BigDecimal.valueOf(unit))
            .setScale(0, java.math.RoundingMode.HALF_UP)
            .toBigIntegerExact();
    BigInteger[] secondsAndNanos = nanos.divideAndRemainder(NANOS_PER_SECOND);
    if (secondsAndNanos[0].bitLength() >= Long.SIZE) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    }
    return Duration.ofSeconds(secondsAndNanos[0].longValue(), secondsAndNanos[1].longValue());
  }

  /**
   * A rate in bits per second: a non-negative number with {@code bit, kbit, mbit, gbit} (or {@code
   * bps, kbps, mbps, gbps}, or {@code .../s}; decimal prefixes, any case), or a plain number times
   * {@code plainBitsPerSecond}.
   *
   * @throws IllegalArgumentException when the text is not such a rate
   */
  public static double bitsPerSecond(String text, double plainBitsPerSecond) {
    Matcher m = match(text, "a rate (10mbit, 1.5gbit)");
    Double unit = BITS.get(m.group(2));
    if (m.group(2).isEmpty()) {
      unit = plainBitsPerSecond;
    }
    if (unit == null) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a rate: the unit must be bit, kbit, mbit or gbit");
    }
    return Double.parseDouble(m.group(1)) * unit;
  }

  private static Matcher match(String text, String expected) {
    Matcher m = QUANTITY.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not " + expected);
    }
    return m;
  }
}
