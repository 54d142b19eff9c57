package dev.edgesplit.partitioner.privacy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

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
    StringBuilder svg = new StringBuilder();
    svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            WIDTH,
            HEIGHT,
            WIDTH,
            HEIGHT));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    text(
        svg,
        WIDTH / 2.0,
        22,
        "middle",
        14,
        "Tokens a cloud operator recovers from what crosses the link");
    text(
        svg,
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
    line(svg, LEFT, TOP, LEFT, TOP + plotH, "black", "");
    line(svg, LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "black", "");
    for (int t = 0; t <= 4; t++) {
      double y = TOP + plotH - plotH * t / 4.0;
      line(svg, LEFT - 4, y, LEFT + plotW, y, "#dddddd", "");
      text(svg, LEFT - 6, y + 4, "end", 11, (25 * t) + "%");
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 20 %.1f)\">tokens recovered</text>%n",
            TOP + plotH / 2,
            TOP + plotH / 2));
    text(
        svg,
        LEFT + plotW / 2,
        HEIGHT - 15,
        "middle",
        12,
        "cut k (0: token ids sent; N: h_N sent to the head on the cloud)");
    double step = rows.size() > 1 ? plotW / (rows.size() - 1) : 0;
    for (int i = 0; i < rows.size(); i++) {
      text(
          svg,
          LEFT + step * i,
          TOP + plotH + 18,
          "middle",
          11,
          Integer.toString(rows.get(i).cut()));
    }
    for (int a = 0; a < report.attacks().size(); a++) {
      String color = COLORS[a % COLORS.length];
      StringBuilder points = new StringBuilder();
      for (int i = 0; i < rows.size(); i++) {
        double y = TOP + plotH - plotH * rows.get(i).recovery()[a];
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + step * i, y));
        svg.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                LEFT + step * i,
                y,
                color));
      }
      svg.append(
          String.format(
              Locale.ROOT,
              "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" " + "stroke-width=\"2\"/>%n",
              points.toString().trim(),
              color));
      double ly = TOP + 10 + 18 * a;
      line(svg, LEFT + plotW + 15, ly, LEFT + plotW + 35, ly, color, " stroke-width=\"2\"");
      text(svg, LEFT + plotW + 40, ly + 4, "start", 11, report.attacks().get(a).name());
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static void line(
      StringBuilder svg, double x1, double y1, double x2, double y2, String color, String extra) {
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>%n",
            x1,
            y1,
            x2,
            y2,
            color,
            extra));
  }

  private static void text(
      StringBuilder svg, double x, double y, String anchor, int size, String s) {
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>%n",
            x,
            y,
            anchor,
            size,
            escape(s)));
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
