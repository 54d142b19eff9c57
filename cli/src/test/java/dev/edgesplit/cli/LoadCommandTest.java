package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadCommandTest {

  @Test
  void duration_acceptsSecondsMinutesHoursAndMillis() {
    assertThat(LoadCommand.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(LoadCommand.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(LoadCommand.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(LoadCommand.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(LoadCommand.parseDuration("30")).isEqualTo(Duration.ofSeconds(30));
    assertThatThrownBy(() -> LoadCommand.parseDuration("5 minutes"))
        .hasMessageContaining("--duration");
    assertThatThrownBy(() -> LoadCommand.parseDuration("")).hasMessageContaining("--duration");
  }

  @Test
  void percentile_isNearestRank() {
    List<Double> v = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);
    assertThat(LoadCommand.percentile(v, 0.5)).isEqualTo(5.0);
    assertThat(LoadCommand.percentile(v, 0.99)).isEqualTo(10.0);
    assertThat(LoadCommand.percentile(List.of(), 0.5)).isZero();
  }
}
