package dev.edgesplit.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class UnitsTest {

  @Test
  void duration_takesUnitsAndDecimals_andAPlainNumberInTheCallersUnit() {
    assertThat(Units.duration("50ms", ChronoUnit.MILLIS)).isEqualTo(Duration.ofMillis(50));
    assertThat(Units.duration("2s", ChronoUnit.MILLIS)).isEqualTo(Duration.ofSeconds(2));
    assertThat(Units.duration("1.5m", ChronoUnit.SECONDS)).isEqualTo(Duration.ofSeconds(90));
    assertThat(Units.duration(" 1H ", ChronoUnit.SECONDS)).isEqualTo(Duration.ofHours(1));
    assertThat(Units.duration("250us", ChronoUnit.SECONDS)).isEqualTo(Duration.ofNanos(250_000));
    assertThat(Units.duration("5000", ChronoUnit.MILLIS)).isEqualTo(Duration.ofSeconds(5));
    assertThat(Units.duration("0.5", ChronoUnit.SECONDS)).isEqualTo(Duration.ofMillis(500));
    assertThat(Units.duration("30", ChronoUnit.SECONDS)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void duration_refusesOtherText_withWhatItWanted() {
    for (String bad : new String[] {"", "ms", "-5s", "5 minutes", "1e3", "5d", "1.2.3s"}) {
      assertThatThrownBy(() -> Units.duration(bad, ChronoUnit.SECONDS))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> Units.duration("99999999999999999999h", ChronoUnit.SECONDS))
        .hasMessageContaining("too long");
  }

  @Test
  void bitsPerSecond_takesDecimalPrefixes_andAPlainNumberTimesTheCallersUnit() {
    assertThat(Units.bitsPerSecond("10mbit", 1e6)).isEqualTo(10e6);
    assertThat(Units.bitsPerSecond("1.5gbit", 1e6)).isEqualTo(1.5e9, within(1e-3));
    assertThat(Units.bitsPerSecond("800kbit/s", 1e6)).isEqualTo(800e3);
    assertThat(Units.bitsPerSecond("100Mbps", 1e6)).isEqualTo(100e6);
    assertThat(Units.bitsPerSecond("64bit", 1e6)).isEqualTo(64);
    assertThat(Units.bitsPerSecond("10", 1e6)).isEqualTo(10e6);
    assertThatThrownBy(() -> Units.bitsPerSecond("10MB", 1e6)).hasMessageContaining("not a rate");
    assertThatThrownBy(() -> Units.bitsPerSecond("fast", 1e6)).hasMessageContaining("not a rate");
  }
}
