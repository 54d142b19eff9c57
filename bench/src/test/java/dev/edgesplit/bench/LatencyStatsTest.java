package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatencyStatsTest {

  @Test
  void ofNanos_givesNearestRankMedianAndP90_ofTheFirstCountValues() {
    long[] nanos = new long[12];
    for (int i = 0; i < 10; i++) {
      nanos[i] = (10 - i) * 1_000_000L; // 10 ms .. 1 ms, unsorted
    }
    nanos[10] = 999_000_000L; // beyond count: ignored
    LatencyStats s = LatencyStats.ofNanos(nanos, 10);
    assertThat(s.count()).isEqualTo(10);
    assertThat(s.medianMs()).isEqualTo(5.0);
    assertThat(s.p90Ms()).isEqualTo(9.0);
    assertThat(s.minMs()).isEqualTo(1.0);
    assertThat(s.meanMs()).isCloseTo(5.5, within(1e-9));
    assertThat(s.perSecond()).isCloseTo(1000 / 5.5, within(1e-9));
    assertThat(nanos[0]).isEqualTo(10_000_000L);
  }

  @Test
  void ofNanos_rejectsEmptyOrOversizedCounts() {
    assertThatThrownBy(() -> LatencyStats.ofNanos(new long[3], 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LatencyStats.ofNanos(new long[3], 4))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
