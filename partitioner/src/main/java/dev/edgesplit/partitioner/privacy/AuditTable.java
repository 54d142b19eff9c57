package dev.edgesplit.partitioner.privacy;

import java.util.Locale;

/** Renders an {@link AuditReport} as a text table with each attack's method written below it. */
public final class AuditTable {

  private AuditTable() {}

  public static String render(AuditReport report) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "inversion audit of %s: %s; %d sequences, %d training positions, "
                + "%d held-out positions scored%n",
            report.model(),
            report.text(),
            report.sequences(),
            report.trainPositions(),
            report.testPositions()));
    out.append(String.format(Locale.ROOT, "%-4s %-22s", "cut", "link carries"));
    for (AttackInfo a : report.attacks()) {
      out.append(String.format(Locale.ROOT, " %12s", a.name()));
    }
    out.append(String.format(Locale.ROOT, " %8s%n", "best"));
    for (CutRecovery row : report.cuts()) {
      out.append(String.format(Locale.ROOT, "%-4d %-22s", row.cut(), row.sent()));
      for (double r : row.recovery()) {
        out.append(String.format(Locale.ROOT, " %11.1f%%", 100 * r));
      }
      out.append(String.format(Locale.ROOT, " %7.1f%%%n", 100 * row.best()));
    }
    out.append(
        "share of held-out tokens recovered exactly (position 0, the BOS token, not counted); methods:\n");
    for (AttackInfo a : report.attacks()) {
      out.append(String.format(Locale.ROOT, "  %-12s %s%n", a.name(), a.method()));
    }
    return out.toString();
  }
}
