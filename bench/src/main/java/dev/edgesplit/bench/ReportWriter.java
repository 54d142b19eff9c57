package dev.edgesplit.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Formats benchmark results as a plain-text table, Markdown and JSON. */
public final class ReportWriter {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final List<BenchResult> results;
  private final StreamCopy.Result bandwidth;
  private final String command;
  private final String machine;

  public ReportWriter(
      List<BenchResult> results, StreamCopy.Result bandwidth, String command, String machine) {
    if (results.isEmpty()) {
      throw new IllegalArgumentException("no results to report");
    }
    this.results = List.copyOf(results);
    this.bandwidth = bandwidth;
    this.command = command;
    this.machine = machine;
  }

  /** The main table and the split breakdown, one row per mode; fixed-width for a terminal. */
  public String table() {
    StringBuilder sb = new StringBuilder();
    sb.append(title()).append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "%-3s %-4s %-17s %9s %9s %9s %10s %9s %7s %s%n",
            "thr",
            "cut",
            "mode",
            "decode/s",
            "med ms",
            "p90 ms",
            "prefill/s",
            "TTFT ms",
            "x unspl",
            "peak RSS MB"));
    for (BenchResult r : results) {
      for (BenchResult.Mode m : r.modes()) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-3d %-4d %-17s %9.1f %9.2f %9.2f %10.1f %9.1f %7.2f %s%n",
                r.threads(),
                r.cut(),
                m.name(),
                m.decodeTokensPerSecond(),
                m.decodeMedianMs(),
                m.decodeP90Ms(),
                m.prefillTokensPerSecond(),
                m.timeToFirstTokenMs(),
                m.vsUnsplit(),
                rss(m.peakRssBytes())));
      }
    }
    sb.append('\n')
        .append(
            String.format(
                Locale.ROOT,
                "%-3s %-4s %8s %8s %9s %9s %7s %9s %8s %10s %10s %8s%n",
                "thr",
                "cut",
                "edge ms",
                "cloud ms",
                "ser ms",
                "link ms",
                "B/token",
                "weights",
                "GB/s",
                "roofline",
                "edge B/step",
                "paired x"));
    for (BenchResult r : results) {
      BenchResult.SplitBreakdown b = r.splitBreakdown();
      sb.append(
          String.format(
              Locale.ROOT,
              "%-3d %-4d %8.3f %8.3f %9.4f %9s %7d %8.1fM %8.2f %9.1f%% %10d %8s%n",
              r.threads(),
              r.cut(),
              b.edgeMedianMs(),
              b.cloudMedianMs(),
              b.serializationMedianMs(),
              Double.isNaN(b.linkMsPerToken())
                  ? "-"
                  : String.format(Locale.ROOT, "%.3f", b.linkMsPerToken()),
              b.bytesPerToken(),
              r.roofline().weightBytesPerToken() / 1e6,
              r.roofline().achievedGbPerSecond(),
              r.roofline().percent(),
              r.allocation().edgeBytesPerStepMax(),
              b.pairedRounds().isEmpty()
                  ? "-"
                  : String.format(Locale.ROOT, "%.2fx", b.pairedRatioMedian())));
    }
    return sb.toString();
  }

  /** The README section: command, machine, tables, per-part times, definitions. */
  public String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("### ").append(title()).append("\n\n");
    sb.append("```\n").append(command).append("\n```\n\n");
    sb.append(machine)
        .append(
            String.format(
                Locale.ROOT,
                "; memory bandwidth (STREAM-style copy, %d thread(s), best of %d, reads + writes): **%.2f GB/s**.%n%n",
                bandwidth.threads(),
                bandwidth.trials(),
                bandwidth.bestGbPerSecond()));
    sb.append(
        "| threads | cut | mode | decode tok/s | ms/token median | p90 | prefill tok/s | TTFT ms "
            + "| vs unsplit | peak RSS |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (BenchResult r : results) {
      for (BenchResult.Mode m : r.modes()) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %d | %d | %s | %.1f | %.2f | %.2f | %.1f | %.1f | %.2fx | %s |%n",
                r.threads(),
                r.cut(),
                m.name(),
                m.decodeTokensPerSecond(),
                m.decodeMedianMs(),
                m.decodeP90Ms(),
                m.prefillTokensPerSecond(),
                m.timeToFirstTokenMs(),
                m.vsUnsplit(),
                rss(m.peakRssBytes())));
      }
    }
    sb.append(
        "\n| threads | cut | edge ms/token | cloud ms/token | fp16 ser. ms/token | link ms/token "
            + "| bytes/token | weights/token | unsplit GB/s | roofline | edge alloc B/step (max) | prefill / decode |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (BenchResult r : results) {
      BenchResult.SplitBreakdown b = r.splitBreakdown();
      BenchResult.Mode unsplit = r.modes().get(0);
      sb.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %.3f | %.3f | %.4f | %s | %d | %.1f MB | %.2f | %.1f%% | %d | %.1fx |%n",
              r.threads(),
              r.cut(),
              b.edgeMedianMs(),
              b.cloudMedianMs(),
              b.serializationMedianMs(),
              Double.isNaN(b.linkMsPerToken())
                  ? "not run"
                  : String.format(Locale.ROOT, "%.3f", b.linkMsPerToken()),
              b.bytesPerToken(),
              r.roofline().weightBytesPerToken() / 1e6,
              r.roofline().achievedGbPerSecond(),
              r.roofline().percent(),
              r.allocation().edgeBytesPerStepMax(),
              unsplit.prefillTokensPerSecond() / unsplit.decodeTokensPerSecond()));
    }
    if (results.stream().anyMatch(r -> r.modes().get(0).roundsTokensPerSecond().size() > 1)) {
      sb.append(
          "\nDecode tokens/s of each in-process round (unsplit once per thread count, then the split at each "
              + "cut, round after round; the tables above show each mode's median round):\n\n"
              + "| threads | cut | mode | each round |\n|---|---|---|---|\n");
      int shownUnsplit = -1;
      for (BenchResult r : results) {
        for (BenchResult.Mode m : r.modes()) {
          boolean repeatOfUnsplit = m.name().equals("unsplit") && shownUnsplit == r.threads();
          if (m.roundsTokensPerSecond().isEmpty() || repeatOfUnsplit) {
            continue;
          }
          sb.append(
              String.format(
                  Locale.ROOT,
                  "| %d | %s | %s | %s |%n",
                  r.threads(),
                  m.name().equals("unsplit") ? "" : Integer.toString(r.cut()),
                  m.name(),
                  m.roundsTokensPerSecond().stream()
                      .map(t -> String.format(Locale.ROOT, "%.1f", t))
                      .collect(java.util.stream.Collectors.joining(", "))));
        }
        shownUnsplit = r.threads();
      }
    }
    if (results.stream().anyMatch(r -> !Double.isNaN(r.splitBreakdown().loopbackEdgeMs()))) {
      sb.append(
          "\nA loopback decode token as the edge reported it (means), against the same cut in one process "
              + "(medians):\n\n| threads | cut | edge ms | link ms | cloud ms | sum | in one process: edge + cloud |\n"
              + "|---|---|---|---|---|---|---|\n");
      for (BenchResult r : results) {
        BenchResult.SplitBreakdown b = r.splitBreakdown();
        if (!Double.isNaN(b.loopbackEdgeMs())) {
          sb.append(
              String.format(
                  Locale.ROOT,
                  "| %d | %d | %.3f | %.3f | %.3f | %.3f | %.3f |%n",
                  r.threads(),
                  r.cut(),
                  b.loopbackEdgeMs(),
                  b.linkMsPerToken(),
                  b.loopbackCloudMs(),
                  b.loopbackEdgeMs() + b.linkMsPerToken() + b.loopbackCloudMs(),
                  b.edgeMedianMs() + b.cloudMedianMs()));
        }
      }
    }
    if (results.stream().anyMatch(r -> !r.splitBreakdown().pairedRounds().isEmpty())) {
      sb.append(
          "\nLoopback / unsplit decode tokens/s in paired rounds (one unsplit generation, then one loopback "
              + "generation, back to back; each round: ratio (unsplit / loopback tok/s)):\n\n"
              + "| threads | cut | median | each round |\n|---|---|---|---|\n");
      for (BenchResult r : results) {
        BenchResult.SplitBreakdown b = r.splitBreakdown();
        if (!b.pairedRounds().isEmpty()) {
          sb.append(
              String.format(
                  Locale.ROOT,
                  "| %d | %d | %.2fx | %s |%n",
                  r.threads(),
                  r.cut(),
                  b.pairedRatioMedian(),
                  b.pairedRounds().stream()
                      .map(
                          p ->
                              String.format(
                                  Locale.ROOT,
                                  "%.2f (%.1f / %.1f)",
                                  p.ratio(),
                                  p.unsplitTokensPerSecond(),
                                  p.loopbackTokensPerSecond()))
                      .collect(java.util.stream.Collectors.joining(", "))));
        }
      }
    }
    sb.append(
        "\nedge and cloud ms/token: the split in one process. link ms/token: in the loopback run, the edge's "
            + "round trip to the worker minus the compute the worker reported (mean per decode token): fp16 "
            + "serialization, TCP both ways and both gRPC stacks.\n");
    int lastThreads = -1;
    for (BenchResult r : results) {
      if (r.parts().isEmpty() || r.threads() == lastThreads) {
        continue;
      }
      lastThreads = r.threads();
      sb.append(
          String.format(
              Locale.ROOT,
              "%nPer-part decode step, %d thread(s), ms (median / p90); side at cut %d:%n%n",
              r.threads(),
              r.cut()));
      sb.append("| part | side | median | p90 |\n|---|---|---|---|\n");
      for (BenchResult.Part p : r.parts()) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.3f | %.3f |%n",
                p.part(),
                p.side(),
                p.medianMs(),
                p.p90Ms()));
      }
      operatorTable(sb, r);
    }
    return sb.toString();
  }

  private static void operatorTable(StringBuilder sb, BenchResult r) {
    if (r.operators().isEmpty()) {
      return;
    }
    double decode = r.operators().stream().mapToDouble(BenchResult.Operator::msPerStep).sum();
    double prefill = r.operators().stream().mapToDouble(BenchResult.Operator::prefillMs).sum();
    sb.append(
        String.format(
            Locale.ROOT,
            "%nLayer %d by operator, %d thread(s): one decode step and the prompt's "
                + "prefill (ONNX Runtime's profiler, which slows every operator a little), ms:%n%n",
            OperatorBreakdown.layer(r.nLayers()),
            r.threads()));
    sb.append(
        "| operator | nodes | decode step | share | prefill | share |\n|---|---|---|---|---|---|\n");
    for (BenchResult.Operator o : r.operators()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.4f | %.0f%% | %.2f | %.0f%% |%n",
              o.opType(),
              o.nodes() == 0 ? "" : String.format(Locale.ROOT, "%.0f", o.nodes()),
              o.msPerStep(),
              100 * o.msPerStep() / decode,
              o.prefillMs(),
              100 * o.prefillMs() / prefill));
    }
  }

  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    JSON.writeValue(
        dir.resolve("bench.json").toFile(),
        Map.of("command", command, "machine", machine, "bandwidth", bandwidth, "results", results));
    Files.writeString(dir.resolve("bench.md"), markdown());
  }

  private String title() {
    BenchResult r = results.get(0);
    return String.format(
            Locale.ROOT,
            "edgesplit bench (%s): %s, %s, %d layers",
            r.label(),
            r.model(),
            r.quant(),
            r.nLayers())
        + (r.returnCut() == null
            ? ""
            : String.format(
                Locale.ROOT,
                "; U-shaped split, return cut %d: the worker side runs [cut,%d), the edge side also "
                    + "[%d,%d) + head (edge ms); B/token goes out and as many come back",
                r.returnCut(),
                r.returnCut(),
                r.returnCut(),
                r.nLayers()));
  }

  private static String rss(Map<String, Long> peak) {
    if (peak.isEmpty()) {
      return "-";
    }
    StringBuilder sb = new StringBuilder();
    peak.forEach(
        (process, bytes) ->
            sb.append(sb.length() == 0 ? "" : ", ")
                .append(String.format(Locale.ROOT, "%s %.0f MB", process, bytes / 1048576.0)));
    return sb.toString();
  }
}
