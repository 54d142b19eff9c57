package dev.edgesplit.partitioner.privacy;

import dev.edgesplit.engine.chart.SvgDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Draws an {@link AuditReport} as an SVG line chart: percent of tokens recovered against the cut,
 * per attack.
 */
public final class AuditChart {

  private static final int WIDTH = 760;
  private static final int HEIGHT = 440;
  private static final int LEFT = 70;
  private static final int RIGHT = 180;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final String[] COLORS = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22"
  };

  private AuditChart() {}

  public static void write(AuditReport report, Path file) throws IOException {
    Files.writeString(file, render(report), StandardCharsets.UTF_8);
  }

  public static String render(AuditReport report) {
    List<CutRecovery> rows = report.cuts();
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - TOP - BOTTOM;
    SvgDocument svg = new SvgDocument(WIDTH, HEIGHT);
    svg.text(
        WIDTH / 2.0,
        22,
        "middle",
        14,
        "Tokens a cloud operator recovers from what crosses the link");
    svg.text(
        WIDTH / 2.0,
        38,
        "middle",
        11,
        report.model()
            + ": "
            + report.text()
            + ", "
            + report.testPositions()
            + " held-out positions");
    svg.line(LEFT, TOP, LEFT, TOP + plotH, "black", "");
    svg.line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "black", "");
    for (int t = 0; t <= 4; t++) {
      double y = TOP + plotH - plotH * t / 4.0;
      svg.line(LEFT - 4, y, LEFT + plotW, y, "#dddddd", "");
      svg.text(LEFT - 6, y + 4, "end", 11, (25 * t) + "%");
    }
    svg.element(
        "<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 20 %.1f)\">tokens recovered</text>",
        TOP + plotH / 2, TOP + plotH / 2);
    svg.text(
        LEFT + plotW / 2,
        HEIGHT - 15,
        "middle",
        12,
        "cut k (0: token ids sent; N: h_N sent to the head on the cloud)");
    double step = rows.size() > 1 ? plotW / (rows.size() - 1) : 0;
    double[] xs = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      xs[i] = LEFT + step * i;
      svg.text(xs[i], TOP + plotH + 18, "middle", 11, Integer.toString(rows.get(i).cut()));
    }
    for (int a = 0; a < report.attacks().size(); a++) {
      String color = COLORS[a % COLORS.length];
      double[] ys = new double[rows.size()];
      for (int i = 0; i < rows.size(); i++) {
        ys[i] = TOP + plotH - plotH * rows.get(i).recovery()[a];
        svg.element("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", xs[i], ys[i], color);
      }
      svg.polyline(xs, ys, color);
      double ly = TOP + 10 + 18 * a;
      svg.line(LEFT + plotW + 15, ly, LEFT + plotW + 35, ly, color, " stroke-width=\"2\"");
      svg.text(LEFT + plotW + 40, ly + 4, "start", 11, report.attacks().get(a).name());
    }
    return svg.finish();
  }
}
