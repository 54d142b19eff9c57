package dev.edgesplit.partitioner.hub;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar for one download, redrawn at most every 200 ms (and once at the end). Not
 * thread-safe.
 */
final class DownloadProgress {

  private static final int WIDTH = 30;
  private static final long REDRAW_NANOS = 200_000_000L;

  private final PrintWriter out;
  private final String name;
  private final long total;
  private long lastDraw;

  DownloadProgress(PrintWriter out, String name, long total) {
    this.out = out;
    this.name = name;
    this.total = total;
  }

  void update(long done) {
    long now = System.nanoTime();
    if (now - lastDraw < REDRAW_NANOS && done < total) {
      return;
    }
    lastDraw = now;
    int filled = total > 0 ? (int) Math.min(WIDTH, done * WIDTH / total) : 0;
    out.printf(
        Locale.ROOT,
        "\r%-32s [%s%s] %s / %s",
        name,
        "#".repeat(filled),
        " ".repeat(WIDTH - filled),
        megabytes(done),
        total > 0 ? megabytes(total) : "?");
    out.flush();
  }

  void finish(String note) {
    out.printf(Locale.ROOT, "\r%-32s %s %s%n", name, megabytes(total), note);
    out.flush();
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
