package dev.edgesplit.planner;

import dev.edgesplit.engine.chart.ChartPage;
import dev.edgesplit.engine.chart.SvgDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link CutPlan} as an SVG line chart: edge J/token (left axis) and latency (right axis)
 * against the cut, rejected cuts as hollow points, the chosen cut marked by a vertical line.
 */
public final class PlanChart {

  private static final ChartPage PAGE = new ChartPage(760, 420, 80, 80, 50, 60);
  private static final String ENERGY_COLOR = "#1f77b4";
  private static final String LATENCY_COLOR = "#d62728";

  private PlanChart() {}

  /** Writes the SVG to {@code file}, replacing it. */
  public static void write(CutPlan plan, Path file) throws IOException {
    Files.writeString(file, render(plan), StandardCharsets.UTF_8);
  }

  /** The SVG document text. */
  public static String render(CutPlan plan) {
    List<CutRow> rows = plan.rows();
    double maxEnergy =
        niceMax(rows.stream().mapToDouble(CutRow::edgeJoulesPerToken).max().orElse(1));
    double maxLatency = niceMax(rows.stream().mapToDouble(CutRow::latencyMillis).max().orElse(1));
    SvgDocument svg = new SvgDocument(PAGE);
    svg.centered(
        24,
        15,
        "Cut plan: "
            + plan.modelFingerprint()
            + " on "
            + plan.device()
            + " (edge energy: "
            + plan.edgeEnergySource()
            + ")");
    double left = PAGE.left();
    double top = PAGE.top();
    double right = PAGE.plotRight();
    double bottom = PAGE.plotBottom();
    // axes
    svg.line(left, top, left, bottom, "black", "");
    svg.line(right, top, right, bottom, "black", "");
    svg.line(left, bottom, right, bottom, "black", "");
    for (int t = 0; t <= 4; t++) {
      double y = PAGE.y(t / 4.0);
      svg.line(left - 4, y, left, y, "black", "");
      svg.line(right, y, right + 4, y, "black", "");
      svg.text(left - 6, y + 4, "end", 11, format(maxEnergy * t / 4.0));
      svg.text(right + 6, y + 4, "start", 11, format(maxLatency * t / 4.0));
    }
    svg.element(
        "<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\" transform=\"rotate(-90 20 %.1f)\">"
            + "edge J/token</text>",
        PAGE.y(0.5), ENERGY_COLOR, PAGE.y(0.5));
    svg.element(
        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\" transform=\"rotate(90 %d %.1f)\">"
            + "latency ms/token</text>",
        PAGE.width() - 20, PAGE.y(0.5), LATENCY_COLOR, PAGE.width() - 20, PAGE.y(0.5));
    svg.text((left + right) / 2, PAGE.height() - 15, "middle", 12, "cut k (layers on the edge)");
    double[] xs = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      xs[i] = PAGE.x(i, rows.size());
      svg.text(
          xs[i],
          bottom + 18,
          "middle",
          11,
          rows.get(i).edgeOnly()
              ? rows.get(i).cut() + " (edge)"
              : Integer.toString(rows.get(i).cut()));
    }
    if (plan.chosenRow() >= 0) {
      double x = xs[plan.chosenRow()];
      svg.line(x, top, x, bottom, "#2ca02c", " stroke-dasharray=\"6 4\" stroke-width=\"2\"");
      svg.text(x, top - 6, "middle", 12, "chosen: " + rows.get(plan.chosenRow()).label());
    }
    series(svg, rows, xs, maxEnergy, ENERGY_COLOR, true);
    series(svg, rows, xs, maxLatency, LATENCY_COLOR, false);
    // legend
    svg.line(left + 10, top + 10, left + 30, top + 10, ENERGY_COLOR, " stroke-width=\"2\"");
    svg.text(left + 34, top + 14, "start", 11, "edge J/token");
    svg.line(left + 10, top + 26, left + 30, top + 26, LATENCY_COLOR, " stroke-width=\"2\"");
    svg.text(left + 34, top + 30, "start", 11, "latency ms (hollow: rejected)");
    return svg.finish();
  }

  private static void series(
      SvgDocument svg, List<CutRow> rows, double[] xs, double max, String color, boolean energy) {
    double[] ys = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      double v = energy ? rows.get(i).edgeJoulesPerToken() : rows.get(i).latencyMillis();
      ys[i] = PAGE.y(v / max);
    }
    svg.polyline(xs, ys, color);
    for (int i = 0; i < rows.size(); i++) {
      boolean ok = rows.get(i).feasible();
      svg.element(
          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" stroke=\"%s\" fill=\"%s\"><title>%s</title></circle>",
          xs[i], ys[i], color, ok ? color : "white", SvgDocument.escape(tooltip(rows.get(i))));
    }
  }

  private static String tooltip(CutRow r) {
    return String.format(
        Locale.ROOT,
        "cut %s: %.3f ms, %.5f J/token%s",
        r.label(),
        r.latencyMillis(),
        r.edgeJoulesPerToken(),
        r.feasible() ? "" : " - rejected: " + String.join("; ", r.rejections()));
  }

  /** A round axis maximum at or above {@code v}: 1, 2 or 5 times a power of ten. */
  static double niceMax(double v) {
    if (!(v > 0)) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= v) {
        return m * power;
      }
    }
    return 10 * power;
  }

  private static String format(double v) {
    return v == 0 ? "0" : String.format(Locale.ROOT, "%.3g", v);
  }
}
