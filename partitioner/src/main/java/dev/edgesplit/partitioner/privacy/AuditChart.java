package dev.edgesplit.partitioner.privacy;

import dev.edgesplit.engine.chart.ChartPage;
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

  private static final ChartPage PAGE = new ChartPage(760, 440, 70, 180, 50, 60);
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
    SvgDocument svg = new SvgDocument(PAGE);
    svg.centered(22, 14, "Tokens a cloud operator recovers from what crosses the link");
    svg.centered(
        38,
        11,
        report.model()
            + ": "
            + report.text()
            + ", "
            + report.testPositions()
            + " held-out positions");
    svg.line(PAGE.left(), PAGE.top(), PAGE.left(), PAGE.plotBottom(), "black", "");
    svg.line(PAGE.left(), PAGE.plotBottom(), PAGE.plotRight(), PAGE.plotBottom(), "black", "");
    for (int t = 0; t <= 4; t++) {
      double y = PAGE.y(t / 4.0);
      svg.line(PAGE.left() - 4, y, PAGE.plotRight(), y, "#dddddd", "");
      svg.text(PAGE.left() - 6, y + 4, "end", 11, (25 * t) + "%");
    }
    svg.element(
        "<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 20 %.1f)\">tokens recovered</text>",
        PAGE.y(0.5), PAGE.y(0.5));
    svg.text(
        (PAGE.left() + PAGE.plotRight()) / 2,
        PAGE.height() - 15,
        "middle",
        12,
        "cut k (0: token ids sent; N: h_N sent to the head on the cloud)");
    double[] xs = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      xs[i] = PAGE.x(i, rows.size());
      svg.text(xs[i], PAGE.plotBottom() + 18, "middle", 11, Integer.toString(rows.get(i).cut()));
    }
    for (int a = 0; a < report.attacks().size(); a++) {
      String color = COLORS[a % COLORS.length];
      double[] ys = new double[rows.size()];
      for (int i = 0; i < rows.size(); i++) {
        ys[i] = PAGE.y(rows.get(i).recovery()[a]);
        svg.element("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", xs[i], ys[i], color);
      }
      svg.polyline(xs, ys, color);
      double ly = PAGE.top() + 10 + 18 * a;
      svg.line(PAGE.plotRight() + 15, ly, PAGE.plotRight() + 35, ly, color, " stroke-width=\"2\"");
      svg.text(PAGE.plotRight() + 40, ly + 4, "start", 11, report.attacks().get(a).name());
    }
    return svg.finish();
  }
}
