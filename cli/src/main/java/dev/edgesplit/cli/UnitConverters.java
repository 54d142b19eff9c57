package dev.edgesplit.cli;

import dev.edgesplit.server.config.Units;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Picocli converters for flags with units, built on the configuration's own parser ({@link Units});
 * a plain number keeps the unit the flag always had.
 */
final class UnitConverters {

  private UnitConverters() {}

  /**
   * A rate in Mbit/s: {@code 10mbit}, {@code 1.5gbit}, {@code 800kbit}; a plain number is Mbit/s.
   */
  static final class Mbits implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      try {
        return Units.bitsPerSecond(value, 1e6) / 1e6;
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A duration in milliseconds: {@code 50ms}, {@code 0.2s}; a plain number is milliseconds. */
  static final class Millis implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      return duration(value, ChronoUnit.MILLIS).toNanos() / 1e6;
    }
  }

  /**
   * A duration: {@code 2s}, {@code 500ms}, {@code 5m}; a plain number (decimals allowed) is
   * seconds.
   */
  static final class Seconds implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return duration(value, ChronoUnit.SECONDS);
    }
  }

  static Duration duration(String value, ChronoUnit plain) {
    try {
      return Units.duration(value, plain);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
