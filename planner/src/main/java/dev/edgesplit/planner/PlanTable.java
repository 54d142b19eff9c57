package dev.edgesplit.planner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link CutPlan} as an aligned text table: the chosen row marked, rejected rows with
 * reasons.
 */
public final class PlanTable {

  private static final String[] HEADER = {
    "",
    "cut",
    "edge/cloud",
    "latency ms",
    "edge J/tok",
    "cloud J/tok",
    "bytes/tok",
    "edge memory",
    "status"
  };

  private PlanTable() {}

  /** The table, header lines first, one line per row, ending with a newline. */
  public static String render(CutPlan plan) {
    // N: the last plain cut, or the edge-only row's (a U plan's rows stop below its return cut).
    int n = plan.rows().stream().mapToInt(CutRow::cut).max().orElse(0);
    List<String[]> lines = new ArrayList<>();
    lines.add(HEADER);
    for (int i = 0; i < plan.rows().size(); i++) {
      CutRow r = plan.rows().get(i);
      boolean chosen = i == plan.chosenRow();
      String status =
          chosen
              ? "chosen"
              : r.feasible() ? "ok" : "rejected: " + String.join("; ", r.rejections());
      lines.add(
          new String[] {
            chosen ? "*" : "",
            r.label(),
            split(r, n),
            String.format(Locale.ROOT, "%.3f", r.latencyMillis()),
            String.format(Locale.ROOT, "%.5f", r.edgeJoulesPerToken()),
            String.format(Locale.ROOT, "%.5f", r.cloudJoulesPerToken()),
            r.uShaped()
                ? r.bytesPerToken() + "+" + r.bytesReceivedPerToken()
                : Long.toString(r.bytesPerToken()),
            bytes(r.edgeMemoryBytes()),
            status
          });
    }
    int[] width = new int[HEADER.length];
    for (String[] cells : lines) {
      for (int c = 0; c < cells.length; c++) {
        width[c] = Math.max(width[c], cells[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Cut plan: model %s on %s, %s weights, %s on the wire%n",
            plan.modelFingerprint(),
            plan.device(),
            plan.weights().name().toLowerCase(Locale.ROOT),
            plan.wire().name().toLowerCase(Locale.ROOT)));
    out.append(
        String.format(
            Locale.ROOT,
            "Link: RTT %.3f ms, %.3f Mbit/s (%d samples), %s tokens per round trip; edge energy:"
                + " %s%n",
            plan.link().rttMillis(),
            plan.link().bandwidthBitsPerSecond() / 1e6,
            plan.link().samples(),
            tokensPerRoundTrip(plan.constraints().tokensPerRoundTrip()),
            plan.edgeEnergySource()));
    out.append(
        String.format(
            Locale.ROOT,
            "Objective: %s; %s%n",
            goal(plan.goal()),
            constraints(plan.constraints())));
    uShape(plan)
        .ifPresent(
            m ->
                out.append(
                    String.format(
                        Locale.ROOT,
                        "U-shaped split, return cut %d: the edge also runs layers [%d,%d), the head and "
                            + "sampling; the worker runs only [k,%d); the link carries h_k out and h_%d back "
                            + "each token (bytes/tok: out+back)%n",
                        m,
                        m,
                        n,
                        m,
                        m)));
    for (String[] cells : lines) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < cells.length; c++) {
        boolean last = c == cells.length - 1;
        boolean numeric = c >= 3 && c <= 7;
        String cell =
            last
                ? cells[c]
                : numeric ? pad(cells[c], width[c], true) : pad(cells[c], width[c], false);
        line.append(cell);
        if (!last) {
          line.append("  ");
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    if (plan.chosenRow() < 0) {
      out.append("No cut meets every constraint.\n");
    }
    return out.toString();
  }

  /**
   * Layers on each side: "3/2", "3+2+head/10" (U: [0,k) + [m,N) + head on the edge), "5/0+head".
   */
  private static String split(CutRow r, int n) {
    if (r.edgeOnly()) {
      return r.cut() + "/0+head";
    }
    if (r.uShaped()) {
      return r.cut() + "+" + (n - r.returnCut()) + "+head/" + (r.returnCut() - r.cut());
    }
    return r.cut() + "/" + (n - r.cut());
  }

  /** The return cut m when the plan prices the U-shaped split. */
  static java.util.Optional<Integer> uShape(CutPlan plan) {
    return plan.rows().stream().filter(CutRow::uShaped).map(CutRow::returnCut).findFirst();
  }

  /**
   * What the cloud can see in {@code plan}'s shape: {@link #visibility(TokenRecoveryLimit)} for the
   * plain split; for the U shape, hidden states only.
   */
  public static String visibility(CutPlan plan) {
    TokenRecoveryLimit audit = plan.constraints().tokenRecovery();
    return uShape(plan)
        .map(
            m -> {
              StringBuilder s =
                  new StringBuilder(
                      "What the cloud sees (U shape, return cut "
                          + m
                          + "): every position's hidden state h_k, from which it computes h_k..h_"
                          + m
                          + "; no token id, logit or text");
              if (audit != null) {
                double[] share = audit.shareByCut();
                s.append(" (an operator with the weights recovers");
                for (int k = 1; k < share.length; k++) {
                  s.append(
                      String.format(
                          Locale.ROOT, "%s %.0f%% at h_%d", k == 1 ? "" : ",", 100 * share[k], k));
                }
                s.append(" of tokens: edgesplit privacy; a row counts the worst state it sees)");
              }
              return s.append(". Edge-only: nothing.\n").toString();
            })
        .orElseGet(() -> visibility(audit));
  }

  /**
   * What the cloud can see in this (plain) split shape: hidden states of every position, and every
   * generated token, because it samples them; with the audit (null without), how many tokens those
   * states give away. Printed after the table.
   */
  public static String visibility(TokenRecoveryLimit audit) {
    StringBuilder s =
        new StringBuilder(
            "What the cloud sees: at cut 0 the token ids; at cut k >= 1 every position's "
                + "hidden state h_k");
    if (audit != null) {
      double[] share = audit.shareByCut();
      s.append(" (an operator with the weights recovers");
      for (int k = 1; k < share.length; k++) {
        s.append(
            String.format(Locale.ROOT, "%s %.0f%% at k=%d", k == 1 ? "" : ",", 100 * share[k], k));
      }
      s.append(" of tokens: edgesplit privacy)");
    }
    return s.append(
            "; and, since the cloud samples, every generated token in clear. Edge-only: nothing. "
                + "The U shape (--return-cut) keeps the head and sampling on the board.\n")
        .toString();
  }

  /** "512 B", "1.50 KiB", "12.00 MiB", "1.25 GiB". */
  /** "1" for one token per round trip, else the measured t with two decimals. */
  static String tokensPerRoundTrip(double t) {
    return t == 1 ? "1" : String.format(Locale.ROOT, "%.2f", t);
  }

  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
  }

  private static String goal(PlanGoal goal) {
    switch (goal.objective()) {
      case ENERGY:
        return "minimise edge J/token";
      case LATENCY:
        return "minimise latency";
      default:
        return String.format(Locale.ROOT, "weighted, alpha=%.2f on energy", goal.alpha());
    }
  }

  private static String constraints(PlanConstraints c) {
    return String.format(
        Locale.ROOT,
        "memory budget %s, latency target %s, min_edge_layers=%d, context %d%s",
        c.edgeMemoryBudgetBytes() == null ? "none" : bytes(c.edgeMemoryBudgetBytes()),
        c.latencyTargetMillis() == null
            ? "none"
            : String.format(Locale.ROOT, "%.3f ms", c.latencyTargetMillis()),
        c.minEdgeLayers(),
        c.maxContext(),
        c.tokenRecovery() == null
            ? ""
            : String.format(
                Locale.ROOT, ", max token recovery %.1f%%", 100 * c.tokenRecovery().maxShare()));
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(width - s.length());
    return right ? fill + s : s + fill;
  }
}
