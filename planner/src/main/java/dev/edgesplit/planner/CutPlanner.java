package dev.edgesplit.planner;

import dev.edgesplit.planner.link.LinkEstimate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Prices every cut of a profiled model and picks one (DESIGN.md section 2). Per decode token, for
 * cut k:
 *
 * <pre>
 * latency(k)     = t_embed + sum_{i&lt;k} t_edge(i) + bytes/bandwidth + RTT/t + sum_{i&gt;=k} t_cloud(i) + t_head
 * edge energy(k) = E_embed + sum_{i&lt;k} E_edge(i) + E_radio x bytes + P_idle x (link + cloud time)
 * cloud energy(k)= P_cloud x (sum_{i&gt;=k} t_cloud(i) + t_head)
 * memory(k)      = k x layer parameters x bytes/parameter + embedding + 2 x k x kvDim x context x 4
 * </pre>
 *
 * where t is the measured tokens per round trip of speculative decoding ({@link
 * PlanConstraints#tokensPerRoundTrip}, 1 without it): a window of positions shares one RTT, but
 * each position's hidden state is still sent. Cut N still sends d floats to the cloud for the head;
 * when the profile has an edge head time, one more "edge-only" row prices running the head on the
 * board with no link at all. The embedding terms are the same for every cut, so they never change
 * the choice, only the absolute numbers. Receiving the token id back is a few bytes and is left
 * out.
 *
 * <p>The U-shaped split with return cut m ({@link #planUShaped}): the worker runs only [k,m) and
 * sends h_m back; the edge runs [0,k), [m,N), the head and sampling. Per decode token:
 *
 * <pre>
 * latency(k)     = t_embed + sum_{i&lt;k} t_edge(i) + sum_{i&gt;=m} t_edge(i) + t_head,edge
 *                  + RTT/t + 2 x bytes/bandwidth + sum_{k&lt;=i&lt;m} t_cloud(i)
 * edge energy(k) = E_embed + sum_{i&lt;k} E_edge(i) + sum_{i&gt;=m} E_edge(i) + E_head,edge
 *                  + E_radio x 2 x bytes + P_idle x (link + cloud time)
 * </pre>
 *
 * h_m has the shape and wire encoding of h_k, so as many bytes come back as go out; the link is
 * taken as symmetric and receiving a byte is priced as sending one (an assumption, like the radio
 * figure itself). Stateless and thread-safe.
 */
public final class CutPlanner {

  /** Relative difference below which two scores count as a tie. */
  private static final double TIE = 1e-9;

  /** Prices all cuts, rejects those breaking {@code constraints}, and chooses by {@code goal}. */
  public CutPlan plan(
      LayerProfile profile,
      LinkEstimate link,
      WireDType wire,
      PlanConstraints constraints,
      PlanGoal goal) {
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(link, "link");
    Objects.requireNonNull(wire, "wire");
    Objects.requireNonNull(constraints, "constraints");
    Objects.requireNonNull(goal, "goal");
    int n = profile.shape().nLayers();
    List<CutRow> rows = new ArrayList<>();
    for (int k = 0; k <= n; k++) {
      rows.add(reject(linkRow(profile, link, wire, constraints, k), constraints));
    }
    if (profile.edge().hasHead()) {
      rows.add(reject(edgeOnlyRow(profile, constraints), constraints));
    }
    return finish(profile, link, wire, constraints, goal, rows);
  }

  /**
   * Prices the U-shaped split with return cut {@code m} at every cut {@code k < m}, and the
   * edge-only row; {@code m == N} is the plain split ({@link #plan}).
   *
   * @throws IllegalArgumentException when {@code m} is outside 1..N or the profile has no edge head
   *     time (the U shape runs the head on the board)
   */
  public CutPlan planUShaped(
      LayerProfile profile,
      LinkEstimate link,
      WireDType wire,
      PlanConstraints constraints,
      PlanGoal goal,
      int returnCut) {
    int n = profile.shape().nLayers();
    if (returnCut < 1 || returnCut > n) {
      throw new IllegalArgumentException("return cut " + returnCut + " outside 1.." + n);
    }
    if (returnCut == n) {
      return plan(profile, link, wire, constraints, goal);
    }
    if (!profile.edge().hasHead()) {
      throw new IllegalArgumentException(
          "the layer profile has no edge head time, which the U shape runs on the board: "
              + "profile again (plan --reprofile)");
    }
    List<CutRow> rows = new ArrayList<>();
    for (int k = 0; k < returnCut; k++) {
      rows.add(reject(uRow(profile, link, wire, constraints, k, returnCut), constraints));
    }
    rows.add(reject(edgeOnlyRow(profile, constraints), constraints));
    return finish(profile, link, wire, constraints, goal, rows);
  }

  private static CutPlan finish(
      LayerProfile profile,
      LinkEstimate link,
      WireDType wire,
      PlanConstraints constraints,
      PlanGoal goal,
      List<CutRow> rows) {
    return new CutPlan(
        profile.device(),
        profile.modelFingerprint(),
        profile.weights(),
        wire,
        profile.edge().energySource(),
        link,
        constraints,
        goal,
        rows,
        choose(rows, goal));
  }

  private static CutRow linkRow(
      LayerProfile p, LinkEstimate link, WireDType wire, PlanConstraints c, int k) {
    EdgeCosts edge = p.edge();
    CloudCosts cloud = p.cloud();
    long bytes = wire.bytesPerToken(p.shape().dim());
    double edgeMs = edge.embeddingMillis() + sum(edge.layerMillis(), 0, k);
    double linkMs = link.rttMillis() / c.tokensPerRoundTrip() + link.transferMillis(bytes);
    double cloudMs = sum(cloud.layerMillis(), k, p.shape().nLayers()) + cloud.headMillis();
    double edgeJ =
        edge.embeddingJoules()
            + sum(edge.layerJoules(), 0, k)
            + edge.radioJoulesPerByte() * bytes
            + edge.idleWatts() * (linkMs + cloudMs) / 1000.0;
    double cloudJ = cloud.watts() * cloudMs / 1000.0;
    return new CutRow(
        k,
        false,
        edgeMs,
        linkMs,
        cloudMs,
        edgeMs + linkMs + cloudMs,
        edgeJ,
        cloudJ,
        bytes,
        0,
        null,
        memory(p, c, k, false),
        List.of());
  }

  private static CutRow uRow(
      LayerProfile p, LinkEstimate link, WireDType wire, PlanConstraints c, int k, int m) {
    EdgeCosts edge = p.edge();
    int n = p.shape().nLayers();
    long bytes = wire.bytesPerToken(p.shape().dim());
    double edgeMs =
        edge.embeddingMillis()
            + sum(edge.layerMillis(), 0, k)
            + sum(edge.layerMillis(), m, n)
            + edge.headMillis();
    double linkMs = link.rttMillis() / c.tokensPerRoundTrip() + link.transferMillis(2 * bytes);
    double cloudMs = sum(p.cloud().layerMillis(), k, m);
    double edgeJ =
        edge.embeddingJoules()
            + sum(edge.layerJoules(), 0, k)
            + sum(edge.layerJoules(), m, n)
            + edge.headJoules()
            + edge.radioJoulesPerByte() * 2 * bytes
            + edge.idleWatts() * (linkMs + cloudMs) / 1000.0;
    return new CutRow(
        k,
        false,
        edgeMs,
        linkMs,
        cloudMs,
        edgeMs + linkMs + cloudMs,
        edgeJ,
        p.cloud().watts() * cloudMs / 1000.0,
        bytes,
        bytes,
        m,
        memory(p, c, k + n - m, true),
        List.of());
  }

  private static CutRow edgeOnlyRow(LayerProfile p, PlanConstraints c) {
    EdgeCosts edge = p.edge();
    int n = p.shape().nLayers();
    double edgeMs = edge.embeddingMillis() + sum(edge.layerMillis(), 0, n) + edge.headMillis();
    double edgeJ = edge.embeddingJoules() + sum(edge.layerJoules(), 0, n) + edge.headJoules();
    return new CutRow(
        n, true, edgeMs, 0, 0, edgeMs, edgeJ, 0, 0, 0, null, memory(p, c, n, true), List.of());
  }

  /**
   * Edge bytes: weights of its {@code layers} (+ head when it runs it) + embedding + fp32 K and V
   * for those layers.
   */
  static long memory(LayerProfile p, PlanConstraints c, int layers, boolean withHead) {
    ModelShape s = p.shape();
    double weights = (double) layers * s.layerParameters() * WeightBytes.perParameter(p.weights());
    long kv = 2L * layers * s.kvDim() * (long) c.maxContext() * 4L;
    return (long) Math.ceil(weights) + s.embeddingBytes() + (withHead ? s.headBytes() : 0) + kv;
  }

  private static CutRow reject(CutRow row, PlanConstraints c) {
    List<String> reasons = new ArrayList<>();
    if (!row.edgeOnly() && row.cut() < c.minEdgeLayers()) {
      reasons.add("below privacy floor min_edge_layers=" + c.minEdgeLayers());
    }
    String leak =
        c.tokenRecovery() == null
            ? null
            : row.uShaped()
                ? c.tokenRecovery().rejection(row.cut(), row.returnCut())
                : c.tokenRecovery().rejection(row.cut(), row.edgeOnly());
    if (leak != null) {
      reasons.add(leak);
    }
    if (c.edgeMemoryBudgetBytes() != null && row.edgeMemoryBytes() > c.edgeMemoryBudgetBytes()) {
      reasons.add(
          String.format(
              Locale.ROOT,
              "edge memory %s > budget %s",
              PlanTable.bytes(row.edgeMemoryBytes()),
              PlanTable.bytes(c.edgeMemoryBudgetBytes())));
    }
    if (c.latencyTargetMillis() != null && row.latencyMillis() > c.latencyTargetMillis()) {
      reasons.add(
          String.format(
              Locale.ROOT,
              "latency %.3f ms > target %.3f ms",
              row.latencyMillis(),
              c.latencyTargetMillis()));
    }
    return new CutRow(
        row.cut(),
        row.edgeOnly(),
        row.edgeMillis(),
        row.linkMillis(),
        row.cloudMillis(),
        row.latencyMillis(),
        row.edgeJoulesPerToken(),
        row.cloudJoulesPerToken(),
        row.bytesPerToken(),
        row.bytesReceivedPerToken(),
        row.returnCut(),
        row.edgeMemoryBytes(),
        reasons);
  }

  /**
   * Index of the best feasible row; ties go to the other metric, then to more edge layers (more
   * privacy).
   */
  private static int choose(List<CutRow> rows, PlanGoal goal) {
    double bestEnergy =
        rows.stream()
            .filter(CutRow::feasible)
            .mapToDouble(CutRow::edgeJoulesPerToken)
            .min()
            .orElse(Double.NaN);
    double bestLatency =
        rows.stream()
            .filter(CutRow::feasible)
            .mapToDouble(CutRow::latencyMillis)
            .min()
            .orElse(Double.NaN);
    if (Double.isNaN(bestEnergy)) {
      return -1;
    }
    Comparator<CutRow> primary;
    Comparator<CutRow> secondary;
    switch (goal.objective()) {
      case ENERGY:
        primary = tolerant(CutRow::edgeJoulesPerToken);
        secondary = tolerant(CutRow::latencyMillis);
        break;
      case LATENCY:
        primary = tolerant(CutRow::latencyMillis);
        secondary = tolerant(CutRow::edgeJoulesPerToken);
        break;
      case WEIGHTED:
        double eScale = Math.max(bestEnergy, Double.MIN_NORMAL);
        double lScale = Math.max(bestLatency, Double.MIN_NORMAL);
        primary =
            tolerant(
                r ->
                    goal.alpha() * r.edgeJoulesPerToken() / eScale
                        + (1 - goal.alpha()) * r.latencyMillis() / lScale);
        secondary = tolerant(CutRow::latencyMillis);
        break;
      default:
        throw new AssertionError(goal.objective());
    }
    Comparator<CutRow> order =
        primary
            .thenComparing(secondary)
            .thenComparing(Comparator.comparingInt(CutRow::cut).reversed());
    int best = -1;
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).feasible() && (best < 0 || order.compare(rows.get(i), rows.get(best)) < 0)) {
        best = i;
      }
    }
    return best;
  }

  private static Comparator<CutRow> tolerant(java.util.function.ToDoubleFunction<CutRow> key) {
    return (a, b) -> {
      double x = key.applyAsDouble(a);
      double y = key.applyAsDouble(b);
      if (Math.abs(x - y) <= TIE * Math.max(Math.abs(x), Math.abs(y))) {
        return 0;
      }
      return Double.compare(x, y);
    };
  }

  private static double sum(List<Double> values, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += values.get(i);
    }
    return s;
  }
}
