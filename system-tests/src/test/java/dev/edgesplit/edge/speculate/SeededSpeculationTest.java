package dev.edgesplit.edge.speculate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.SampledRuns;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sampled speculative generation is reproducible under a seed whatever the windows: every draw is
 * keyed on (seed, absolute position), the draft model draws with the target's noise and the worker
 * accepts a draft exactly when it is its own token. So over real sockets, the same seed gives the
 * same text with window caps 1, 3 and 8, the adaptive window (cap 16), every draft source, and one
 * token per round trip.
 */
class SeededSpeculationTest {

  static final int TOKENS = 60;

  @BeforeAll
  static void setUp() throws Exception {
    SpeculativeSplitTest.compile();
  }

  @Test
  void sameSeed_givesTheSameText_whateverTheWindowCapAndSource() throws Exception {
    List<String> caps = List.of("1", "3", "8", "16");
    long[] seeds = {7L, 1234L, 99_999L};
    List<String> reference = new ArrayList<>();
    Set<String> distinct = new HashSet<>();
    double modelTokensPerTrip = 0;
    int modelRuns = 0;
    for (String cap : caps) {
      try (SpeculativeSplitTest.Split split =
          new SpeculativeSplitTest.Split(2, Map.of("speculate.max_window", cap))) {
        for (int s = 0; s < seeds.length; s++) {
          String plain = split.generate(request(seeds[s], DraftSource.DRAFT_SOURCE_NONE)).text();
          if (reference.size() <= s) {
            reference.add(plain);
            distinct.add(plain);
          }
          assertThat(plain).as("none, cap %s, seed %d", cap, seeds[s]).isEqualTo(reference.get(s));
          for (DraftSource source : SpeculativeSplitTest.SOURCES) {
            Generated r = split.generate(request(seeds[s], source));
            assertThat(r.text())
                .as("%s, cap %s, seed %d", source, cap, seeds[s])
                .isEqualTo(reference.get(s));
            if (source == DraftSource.DRAFT_SOURCE_MODEL) {
              modelTokensPerTrip += r.summary().getTokensPerRoundTrip();
              modelRuns++;
              if (cap.equals("1")) {
                // At most one draft per round trip after the prefill's.
                assertThat(r.summary().getDraftedTokens())
                    .as("cap 1, seed %d", seeds[s])
                    .isLessThanOrEqualTo(r.summary().getRoundTrips() - 1);
              }
            }
          }
        }
      }
    }
    // The draws are real: other seeds give other texts, and the draft model's coupled draws are
    // accepted often enough to carry several tokens per round trip.
    assertThat(distinct).hasSize(seeds.length);
    System.out.printf(
        "seeded speculation: draft model %.2f tokens per round trip at temperature 0.8%n",
        modelTokensPerTrip / modelRuns);
    assertThat(modelTokensPerTrip / modelRuns).isGreaterThan(1.3);
  }

  private static GenerateRequest request(long seed, DraftSource source) {
    return SampledRuns.request(TOKENS, 0.8f, seed, source);
  }
}
