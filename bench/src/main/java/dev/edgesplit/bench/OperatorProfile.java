package dev.edgesplit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a segment's runs spend their time, by operator type, read from ONNX Runtime's profile (a
 * JSON array of trace events: one {@code model_run} per run, one {@code <node>_kernel_time} per
 * operator executed), over a window of consecutive runs (a prefill, or decode steps after their
 * warm-up).
 *
 * @param msByType operator type -> mean ms per run, slowest first
 * @param nodesByType operator type -> nodes executed per run
 * @param runMs mean wall time of a run as the profiler saw it
 */
record OperatorProfile(
    Map<String, Double> msByType, Map<String, Double> nodesByType, double runMs) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Time of a run outside every operator: the session's own work between and around them. */
  double outsideOperatorsMs() {
    return runMs - msByType.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** One profile file, read once: its trace events and its runs in the order they ran. */
  static final class Trace {
    private final Path file;
    private final JsonNode events;
    private final List<long[]> runSpans = new ArrayList<>(); // {start, duration} microseconds

    private Trace(Path file, JsonNode events) {
      this.file = file;
      this.events = events;
      for (JsonNode e : events) {
        if ("Session".equals(e.path("cat").asText())
            && "model_run".equals(e.path("name").asText())) {
          runSpans.add(new long[] {e.path("ts").asLong(), e.path("dur").asLong()});
        }
      }
      runSpans.sort(Comparator.comparingLong(span -> span[0]));
    }

    static Trace read(Path file) throws IOException {
      return new Trace(file, JSON.readTree(file.toFile()));
    }

    /** Runs {@code [fromRun, fromRun + runs)}, in the order they ran. */
    OperatorProfile window(int fromRun, int runs) {
      if (fromRun < 0 || runs < 1 || runSpans.size() < fromRun + runs) {
        throw new IllegalArgumentException(
            file
                + " holds "
                + runSpans.size()
                + " runs, not runs "
                + fromRun
                + " to "
                + (fromRun + runs - 1));
      }
      List<long[]> counted = runSpans.subList(fromRun, fromRun + runs);
      long from = counted.get(0)[0];
      long to = counted.get(runs - 1)[0] + counted.get(runs - 1)[1];
      double runMicros = counted.stream().mapToLong(span -> span[1]).sum();
      Map<String, long[]> byType =
          new LinkedHashMap<>(); // op type -> {total microseconds, nodes executed}
      for (JsonNode e : events) {
        if ("Node".equals(e.path("cat").asText())
            && e.path("name").asText().endsWith("_kernel_time")
            && e.path("ts").asLong() >= from
            && e.path("ts").asLong() < to) {
          long[] sum =
              byType.computeIfAbsent(e.path("args").path("op_name").asText("?"), k -> new long[2]);
          sum[0] += e.path("dur").asLong();
          sum[1]++;
        }
      }
      Map<String, Double> ms = new LinkedHashMap<>();
      Map<String, Double> nodes = new LinkedHashMap<>();
      byType.entrySet().stream()
          .sorted(
              Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed())
          .forEach(
              e -> {
                ms.put(e.getKey(), e.getValue()[0] / 1000.0 / runs);
                nodes.put(e.getKey(), (double) e.getValue()[1] / runs);
              });
      return new OperatorProfile(ms, nodes, runMicros / 1000.0 / runs);
    }
  }
}
