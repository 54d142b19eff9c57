package dev.edgesplit.edge.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void backoff_isImmediateFirst_thenDoubles_upToTheCap() {
    RetryPolicy p =
        new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofSeconds(5));
    assertThat(p.backoff(0)).isZero();
    assertThat(p.backoff(1)).isEqualTo(Duration.ofMillis(50));
    assertThat(p.backoff(2)).isEqualTo(Duration.ofMillis(100));
    assertThat(p.backoff(3)).isEqualTo(Duration.ofMillis(200));
    assertThat(p.backoff(4)).isEqualTo(Duration.ofMillis(300));
    assertThat(p.backoff(1000)).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void rejectsNonPositiveTimes_andACapBelowTheStart() {
    assertThatThrownBy(
            () -> new RetryPolicy(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new RetryPolicy(
                    Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
