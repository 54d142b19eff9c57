package dev.edgesplit.engine.chart;

/**
 * A chart's page size and the margins around its plot area, in pixels.
 *
 * @param width page width
 * @param height page height
 * @param left margin left of the plot (room for the left axis)
 * @param right margin right of the plot (a right axis or a legend)
 * @param top margin above the plot (titles)
 * @param bottom margin below the plot (the cut labels and the axis title)
 */
public record ChartPage(int width, int height, int left, int right, int top, int bottom) {

  public ChartPage {
    if (left + right >= width || top + bottom >= height) {
      throw new IllegalArgumentException("margins leave no plot area on a " + width + "x" + height);
    }
  }

  /** Width of the plot area. */
  public double plotWidth() {
    return width - left - right;
  }

  /** Height of the plot area. */
  public double plotHeight() {
    return height - top - bottom;
  }

  /** The bottom edge of the plot area: where the x axis runs. */
  public double plotBottom() {
    return top + plotHeight();
  }

  /** The height on the page of {@code fraction} of the y axis (0 at the bottom, 1 at the top). */
  public double y(double fraction) {
    return plotBottom() - plotHeight() * fraction;
  }

  /** The right edge of the plot area. */
  public double plotRight() {
    return left + plotWidth();
  }

  /** Where point {@code i} of {@code n} evenly spread across the plot stands (one: centred). */
  public double x(int i, int n) {
    return n > 1 ? left + plotWidth() / (n - 1) * i : left + plotWidth() / 2;
  }
}
