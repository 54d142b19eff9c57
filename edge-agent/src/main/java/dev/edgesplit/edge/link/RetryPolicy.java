package dev.edgesplit.edge.link;

import java.time.Duration;

/**
 * How a generation retries after its cloud link fails: the first attempt is immediate, then the
 * wait doubles from {@code initialBackoff} up to {@code maxBackoff}, until {@code deadline} has
 * passed since the failure.
 */
public record RetryPolicy(Duration initialBackoff, Duration maxBackoff, Duration deadline) {

  public RetryPolicy {
    if (!valid(initialBackoff, maxBackoff, deadline)) {
      throw new IllegalArgumentException(
          "retry backoffs and deadline must be positive and max >= initial");
    }
  }

  /** True when both backoffs and the deadline are positive and {@code max >= initial}. */
  public static boolean valid(Duration initialBackoff, Duration maxBackoff, Duration deadline) {
    return initialBackoff.compareTo(Duration.ZERO) > 0
        && maxBackoff.compareTo(initialBackoff) >= 0
        && deadline.compareTo(Duration.ZERO) > 0;
  }

  /**
   * Wait before attempt {@code attempt} (0-based): none before the first, then doubling, capped.
   */
  public Duration backoff(int attempt) {
    if (attempt <= 0) {
      return Duration.ZERO;
    }
    // Past 2^20 x initial every sane cap has been reached; stop doubling before the shift
    // overflows.
    long factor = 1L << Math.min(attempt - 1, 20);
    long nanos =
        initialBackoff.toNanos() > Long.MAX_VALUE / factor
            ? Long.MAX_VALUE
            : initialBackoff.toNanos() * factor;
    return Duration.ofNanos(Math.min(nanos, maxBackoff.toNanos()));
  }
}
