package dev.edgesplit.systest;

import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.SamplingParams;
import io.grpc.Channel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Seeded, sampled generations (top-p 0.95) and the statistics that compare their distributions:
 * {@value #GENERATIONS} generations of {@value #TOKENS} tokens per sample, compared per position by
 * a chi-square test of homogeneity whose Wilson-Hilferty z must stay below {@value #Z_LIMIT} (one
 * sided p ~ 2e-5 per position).
 */
public final class SampledRuns {

  /** The prompt every sampled test starts from. */
  public static final String PROMPT = "Lily and Tom";

  public static final int GENERATIONS = 400;
  public static final int TOKENS = 6;
  public static final double Z_LIMIT = 4.0;

  private SampledRuns() {}

  /** {@link #PROMPT} sampled at {@code temperature}, top-p 0.95, under {@code seed}. */
  public static GenerateRequest request(
      int maxNewTokens, float temperature, long seed, DraftSource source) {
    return GenerateRequest.newBuilder()
        .setText(PROMPT)
        .setMaxNewTokens(maxNewTokens)
        .setSampling(
            SamplingParams.newBuilder().setTemperature(temperature).setTopP(0.95f).setSeed(seed))
        .setDraftSource(source)
        .build();
  }

  /**
   * Samples the edge behind {@code edge} one token per round trip (temperature 0.8), with the draft
   * model and with prompt lookup (0.8), and one token per round trip at 1.3 (the control), and
   * compares each with the first, position by position.
   */
  public static Comparison compare(Channel edge) throws Exception {
    Map<DraftSource, AtomicLongArray> drafts = new ConcurrentHashMap<>();
    List<int[]> plain = sample(edge, DraftSource.DRAFT_SOURCE_NONE, 0.8f, 1_000_000L, drafts);
    List<int[]> model = sample(edge, DraftSource.DRAFT_SOURCE_MODEL, 0.8f, 2_000_000L, drafts);
    List<int[]> ngram = sample(edge, DraftSource.DRAFT_SOURCE_NGRAM, 0.8f, 3_000_000L, drafts);
    List<int[]> hotter = sample(edge, DraftSource.DRAFT_SOURCE_NONE, 1.3f, 4_000_000L, drafts);
    return new Comparison(
        worstZ(plain, model), worstZ(plain, ngram), worstZ(plain, hotter), Map.copyOf(drafts));
  }

  /**
   * The worst per-position z of the draft model and of prompt lookup against one token per round
   * trip, the control's (temperature 1.3 against 0.8, which must exceed the limit), and the drafted
   * and accepted tokens per source.
   */
  public record Comparison(
      double worstModel,
      double worstNgram,
      double control,
      Map<DraftSource, AtomicLongArray> drafts) {

    /** One line for the test's output. */
    public String describe(String what) {
      return String.format(
          "%s, worst per-position z over %d positions: model %.2f, ngram %.2f; control"
              + " (temperature 1.3) %.2f; limit %.1f",
          what, TOKENS, worstModel, worstNgram, control, Z_LIMIT);
    }
  }

  /**
   * Token ids of {@value #GENERATIONS} generations, seeds {@code firstSeed ..}, four clients at a
   * time; -1 where a generation ended (EOS) before the position.
   */
  private static List<int[]> sample(
      Channel edge,
      DraftSource source,
      float temperature,
      long firstSeed,
      Map<DraftSource, AtomicLongArray> drafts)
      throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try {
      List<Future<int[]>> futures = new ArrayList<>();
      for (int i = 0; i < GENERATIONS; i++) {
        GenerateRequest request = request(TOKENS, temperature, firstSeed + i, source);
        futures.add(clients.submit(() -> tokens(edge, request, drafts)));
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

  private static int[] tokens(
      Channel edge, GenerateRequest request, Map<DraftSource, AtomicLongArray> drafts) {
    int[] tokens = new int[TOKENS];
    Arrays.fill(tokens, -1);
    GenerationSummary s =
        Generated.stream(edge, request, t -> tokens[t.getIndex()] = t.getTokenId()).summary();
    AtomicLongArray counts =
        drafts.computeIfAbsent(request.getDraftSource(), k -> new AtomicLongArray(2));
    counts.addAndGet(0, s.getDraftedTokens());
    counts.addAndGet(1, s.getAcceptedDraftTokens());
    return tokens;
  }

  private static double worstZ(List<int[]> a, List<int[]> b) {
    double worst = 0;
    for (int pos = 0; pos < TOKENS; pos++) {
      worst = Math.max(worst, z(a, b, pos));
    }
    return worst;
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
