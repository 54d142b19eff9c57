package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThreadAllocationsTest {

  private static volatile Object sink;

  @Test
  void countsAnArrayAllocatedBetweenTwoReadings() {
    ThreadAllocations a = new ThreadAllocations();
    a.current();
    long before = a.current();
    sink = new byte[1 << 20];
    long after = a.current();
    assertThat(after - before).isBetween(1L << 20, (1L << 20) + 4096);
  }
}
