package dev.edgesplit.edge.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LimitersTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void rateLimiter_allowsTheBurst_thenRefillsAtTheRate_perClient() {
    RateLimiter rate = new RateLimiter(2.0, 3, 100, now::get);
    assertThat(rate.tryAcquire("a")).isTrue();
    assertThat(rate.tryAcquire("a")).isTrue();
    assertThat(rate.tryAcquire("a")).isTrue();
    assertThat(rate.tryAcquire("a")).isFalse();
    assertThat(rate.tryAcquire("b")).as("another client has its own bucket").isTrue();
    now.addAndGet(499_000_000L);
    assertThat(rate.tryAcquire("a")).as("0.998 tokens after 499 ms at 2/s").isFalse();
    now.addAndGet(2_000_000L);
    assertThat(rate.tryAcquire("a")).isTrue();
    assertThat(rate.tryAcquire("a")).isFalse();
  }

  @Test
  void rateLimiter_capsTheRefillAtTheBurst_evenAfterALongIdle() {
    RateLimiter rate = new RateLimiter(1.0, 2, 100, now::get);
    rate.tryAcquire("a");
    now.addAndGet(3_600_000_000_000L);
    assertThat(rate.tryAcquire("a")).isTrue();
    assertThat(rate.tryAcquire("a")).isTrue();
    assertThat(rate.tryAcquire("a")).isFalse();
  }

  @Test
  void rateLimiter_forgetsTheLeastRecentClients_beyondTheBound() {
    RateLimiter rate = new RateLimiter(1.0, 1, 3, now::get);
    for (int i = 0; i < 10; i++) {
      rate.tryAcquire("10.0.0." + i);
    }
    assertThat(rate.trackedClients()).isEqualTo(3);
  }

  @Test
  void rateLimiter_rejectsNonsenseSettings() {
    assertThatThrownBy(() -> new RateLimiter(0, 1, 1, now::get))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RateLimiter(Double.NaN, 1, 1, now::get))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RateLimiter(1, 0, 1, now::get))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrencyLimiter_refusesBeyondTheMaximum_andReleasesOncePerPermit() {
    ConcurrencyLimiter limiter = new ConcurrencyLimiter(2);
    ConcurrencyLimiter.Permit p1 = limiter.tryAcquire("a");
    ConcurrencyLimiter.Permit p2 = limiter.tryAcquire("a");
    assertThat(p1).isNotNull();
    assertThat(p2).isNotNull();
    assertThat(limiter.tryAcquire("a")).isNull();
    assertThat(limiter.tryAcquire("b")).isNotNull();
    p1.close();
    p1.close();
    assertThat(limiter.running("a"))
        .as("a second close of the same permit releases nothing")
        .isEqualTo(1);
    assertThat(limiter.tryAcquire("a")).isNotNull();
    assertThat(limiter.tryAcquire("a")).isNull();
  }
}
