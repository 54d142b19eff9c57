package dev.edgesplit.edge.speculate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.SamplingParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Speculative sampling keeps the target's distribution: {@value #GENERATIONS} seeded generations of
 * {@value #TOKENS} tokens (temperature 0.8, top-p 0.95) over real sockets with one token per round
 * trip, with the int4 draft model (q sent, min(1, p/q) rule) and with prompt lookup (deterministic
 * drafts), compared per position by a chi-square test of homogeneity. Tolerance: the statistic's
 * Wilson-Hilferty z below {@value #Z_LIMIT} at every position (one-sided p ~ 2e-5 each). The same
 * test must tell temperature 0.8 from 1.3 apart, so it can fail.
 */
class SpeculativeSamplingTest {

  static final int GENERATIONS = 400;
  static final int TOKENS = 6;
  static final double Z_LIMIT = 4.0;
  static final String PROMPT = "Lily and Tom";

  /** Drafted and accepted tokens per source, over all generations (for the printout). */
  static final Map<DraftSource, java.util.concurrent.atomic.AtomicLongArray> DRAFTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeAll
  static void setUp() throws Exception {
    SpeculativeSplitTest.compile();
  }

  @Test
  void perPositionDistribution_withSpeculation_equalsOneTokenPerRoundTrip() throws Exception {
    try (SpeculativeSplitTest.Split split = new SpeculativeSplitTest.Split(2, Map.of())) {
      List<int[]> plain =
          sample(split.agent.client(), DraftSource.DRAFT_SOURCE_NONE, 0.8f, 1_000_000L);
      List<int[]> model =
          sample(split.agent.client(), DraftSource.DRAFT_SOURCE_MODEL, 0.8f, 2_000_000L);
      List<int[]> ngram =
          sample(split.agent.client(), DraftSource.DRAFT_SOURCE_NGRAM, 0.8f, 3_000_000L);
      List<int[]> hotter =
          sample(split.agent.client(), DraftSource.DRAFT_SOURCE_NONE, 1.3f, 4_000_000L);
      double worstModel = 0;
      double worstNgram = 0;
      double bestControl = 0;
      for (int pos = 0; pos < TOKENS; pos++) {
        worstModel = Math.max(worstModel, z(plain, model, pos));
        worstNgram = Math.max(worstNgram, z(plain, ngram, pos));
        bestControl = Math.max(bestControl, z(plain, hotter, pos));
      }
      System.out.printf(
          "speculative sampling, worst per-position z over %d positions: model %.2f, ngram %.2f; "
              + "control (temperature 1.3) %.2f; limit %.1f%n",
          TOKENS, worstModel, worstNgram, bestControl, Z_LIMIT);
      DRAFTS.forEach(
          (source, counts) -> {
            if (counts.get(0) > 0) {
              System.out.printf(
                  "acceptance at temperature 0.8, %s: %d of %d drafts (%.1f%%)%n",
                  source, counts.get(1), counts.get(0), 100.0 * counts.get(1) / counts.get(0));
            }
          });
      assertThat(worstModel).as("draft model vs none, worst position z").isLessThan(Z_LIMIT);
      assertThat(worstNgram).as("prompt lookup vs none, worst position z").isLessThan(Z_LIMIT);
      assertThat(bestControl)
          .as("temperature 1.3 vs 0.8: the test can tell")
          .isGreaterThan(Z_LIMIT);
    }
  }

  /**
   * Token ids of {@value #GENERATIONS} generations, seeds {@code firstSeed ..}, four clients at a
   * time.
   */
  static List<int[]> sample(
      io.grpc.Channel edge, DraftSource source, float temperature, long firstSeed)
      throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try {
      List<Future<int[]>> futures = new ArrayList<>();
      for (int i = 0; i < GENERATIONS; i++) {
        long seed = firstSeed + i;
        futures.add(clients.submit(() -> generate(edge, source, temperature, seed)));
      }
      List<int[]> out = new ArrayList<>();
      for (Future<int[]> f : futures) {
        out.add(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      clients.shutdownNow();
    }
  }

  private static int[] generate(
      io.grpc.Channel edge, DraftSource source, float temperature, long seed) {
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setText(PROMPT)
            .setMaxNewTokens(TOKENS)
            .setSampling(
                SamplingParams.newBuilder()
                    .setTemperature(temperature)
                    .setTopP(0.95f)
                    .setSeed(seed))
            .setDraftSource(source)
            .build();
    int[] tokens = new int[TOKENS];
    java.util.Arrays.fill(tokens, -1); // -1: the generation ended (EOS) before this position
    Iterator<GenerateResponse> it =
        EdgeServiceGrpc.newBlockingStub(edge)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .generate(request);
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      if (r.hasSummary()) {
        DRAFTS.computeIfAbsent(source, k -> new java.util.concurrent.atomic.AtomicLongArray(2));
        DRAFTS.get(source).addAndGet(0, r.getSummary().getDraftedTokens());
        DRAFTS.get(source).addAndGet(1, r.getSummary().getAcceptedDraftTokens());
      }
      if (r.hasToken()) {
        tokens[r.getToken().getIndex()] = r.getToken().getTokenId();
      }
    }
    return tokens;
  }

  /**
   * Chi-square test of homogeneity of the tokens at {@code pos} in two samples of equal size,
   * categories whose pooled count is under 10 merged into one; returned as the Wilson-Hilferty
   * normal deviate of the statistic.
   */
  static double z(List<int[]> a, List<int[]> b, int pos) {
    Map<Integer, int[]> counts = new HashMap<>();
    a.forEach(t -> counts.computeIfAbsent(t[pos], k -> new int[2])[0]++);
    b.forEach(t -> counts.computeIfAbsent(t[pos], k -> new int[2])[1]++);
    List<int[]> cells = new ArrayList<>();
    int[] rare = new int[2];
    for (int[] c : counts.values()) {
      if (c[0] + c[1] < 10) {
        rare[0] += c[0];
        rare[1] += c[1];
      } else {
        cells.add(c);
      }
    }
    if (rare[0] + rare[1] > 0) {
      cells.add(rare);
    }
    int df = cells.size() - 1;
    if (df < 1) {
      return 0;
    }
    double na = a.size();
    double nb = b.size();
    double chi2 = 0;
    for (int[] c : cells) {
      double total = c[0] + c[1];
      double ea = total * na / (na + nb);
      double eb = total * nb / (na + nb);
      chi2 += (c[0] - ea) * (c[0] - ea) / ea + (c[1] - eb) * (c[1] - eb) / eb;
    }
    double k = df;
    return (Math.cbrt(chi2 / k) - (1 - 2 / (9 * k))) / Math.sqrt(2 / (9 * k));
  }
}
