package dev.edgesplit.engine.chart;

import java.util.Locale;

/**
 * A small SVG writer for the charts the tools draw (the cut plan, the privacy audit): a white page
 * of a fixed size, lines, text and raw elements, numbers written with one decimal in the root
 * locale and text content escaped. Not thread-safe; one document per chart.
 */
public final class SvgDocument {

  private final StringBuilder svg = new StringBuilder();
  private final int width;

  /** Starts a document the size of {@code page} on a white background. */
  public SvgDocument(ChartPage page) {
    this.width = page.width();
    int height = page.height();
    svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    element(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">",
        width, height, width, height);
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  }

  /** A line; {@code extra} is appended to its attributes as is (e.g. a stroke width). */
  public SvgDocument line(double x1, double y1, double x2, double y2, String color, String extra) {
    return element(
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>",
        x1, y1, x2, y2, color, extra);
  }

  /** Text at ({@code x}, {@code y}); {@code content} is escaped. */
  public SvgDocument text(double x, double y, String anchor, int size, String content) {
    return element(
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>",
        x, y, anchor, size, escape(content));
  }

  /** A 2-pixel open polyline through the points ({@code xs[i]}, {@code ys[i]}). */
  public SvgDocument polyline(double[] xs, double[] ys, String color) {
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < xs.length; i++) {
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", xs[i], ys[i]));
    }
    return element(
        "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>",
        color, points.toString().trim());
  }

  /** Text centred on the page at height {@code y} (titles); {@code content} is escaped. */
  public SvgDocument centered(double y, int size, String content) {
    return text(width / 2.0, y, "middle", size, content);
  }

  /**
   * One element from a {@link String#format} pattern in the root locale, on its own line; string
   * arguments that hold text content must be {@link #escape escaped} by the caller.
   */
  public SvgDocument element(String pattern, Object... args) {
    svg.append(String.format(Locale.ROOT, pattern, args)).append('\n');
    return this;
  }

  /** Closes the root element and returns the document text. */
  public String finish() {
    return svg.append("</svg>\n").toString();
  }

  /** {@code s} escaped for XML text and attribute values. */
  public static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
