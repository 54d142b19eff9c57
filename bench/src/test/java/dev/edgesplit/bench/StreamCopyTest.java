package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StreamCopyTest {

  @Test
  void measure_reportsAPlausibleBandwidth_withTwoThreads() {
    StreamCopy.Result r = new StreamCopy(8L << 20, 2, 3).measure();
    assertThat(r.bytesPerArray()).isEqualTo(8L << 20);
    assertThat(r.bestGbPerSecond())
        .isBetween(0.1, 1000.0)
        .isGreaterThanOrEqualTo(r.medianGbPerSecond());
  }

  @Test
  void rejectsArraysThatFitInCacheSizedNonsense() {
    assertThatThrownBy(() -> new StreamCopy(1024, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StreamCopy(8L << 20, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
