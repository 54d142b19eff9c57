package dev.edgesplit.edge.speculate;

import static dev.edgesplit.systest.SampledRuns.Z_LIMIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.systest.SampledRuns;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Speculative sampling keeps the target's distribution: {@value SampledRuns#GENERATIONS} seeded
 * generations of {@value SampledRuns#TOKENS} tokens (temperature 0.8, top-p 0.95) over real sockets
 * with one token per round trip, with the int4 draft model (q sent, min(1, p/q) rule) and with
 * prompt lookup (deterministic drafts), compared per position by a chi-square test of homogeneity.
 * Tolerance: the statistic's Wilson-Hilferty z below {@value SampledRuns#Z_LIMIT} at every position
 * (one-sided p ~ 2e-5 each). The same test must tell temperature 0.8 from 1.3 apart, so it can
 * fail.
 */
class SpeculativeSamplingTest {

  @BeforeAll
  static void setUp() throws Exception {
    SpeculativeSplitTest.compile();
  }

  @Test
  void perPositionDistribution_withSpeculation_equalsOneTokenPerRoundTrip() throws Exception {
    try (SpeculativeSplitTest.Split split = new SpeculativeSplitTest.Split(2, Map.of())) {
      SampledRuns.Comparison c = SampledRuns.compare(split.agent.client());
      System.out.println(c.describe("speculative sampling"));
      c.drafts()
          .forEach(
              (source, counts) -> {
                if (counts.get(0) > 0) {
                  System.out.printf(
                      "acceptance at temperature 0.8, %s: %d of %d drafts (%.1f%%)%n",
                      source, counts.get(1), counts.get(0), 100.0 * counts.get(1) / counts.get(0));
                }
              });
      assertThat(c.worstModel()).as("draft model vs none, worst position z").isLessThan(Z_LIMIT);
      assertThat(c.worstNgram()).as("prompt lookup vs none, worst position z").isLessThan(Z_LIMIT);
      assertThat(c.control())
          .as("temperature 1.3 vs 0.8: the test can tell")
          .isGreaterThan(Z_LIMIT);
    }
  }
}
