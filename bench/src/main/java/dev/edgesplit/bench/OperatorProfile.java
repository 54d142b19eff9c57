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
 * Where a segment's runs spend their time, by operator type, read from ONNX Runtime's profile (a JSON array of
 * trace events: one {@code model_run} per run, one {@code <node>_kernel_time} per operator executed). Only the
 * last {@code runs} runs count, so warm-up runs in the same file are left out.
 *
 * @param operators     operator types, slowest first
 * @param runMsPerStep  mean wall time of a run as the profiler saw it
 * @param runs          runs averaged
 */
record OperatorProfile(List<BenchResult.Operator> operators, double runMsPerStep, int runs) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Time of a run outside every operator: the session's own work between and around them. */
  double outsideOperatorsMs() {
    return runMsPerStep - operators.stream().mapToDouble(BenchResult.Operator::msPerStep).sum();
  }

  static OperatorProfile read(Path file, int runs) throws IOException {
    JsonNode events = JSON.readTree(file.toFile());
    List<long[]> runSpans = new ArrayList<>();
    for (JsonNode e : events) {
      if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
        runSpans.add(new long[] {e.path("ts").asLong(), e.path("dur").asLong()});
      }
    }
    if (runSpans.size() < runs) {
      throw new IOException(file + " holds " + runSpans.size() + " runs, fewer than the " + runs + " asked for");
    }
    runSpans.sort(Comparator.comparingLong(s -> s[0]));
    List<long[]> counted = runSpans.subList(runSpans.size() - runs, runSpans.size());
    long from = counted.get(0)[0];
    double runMicros = counted.stream().mapToLong(s -> s[1]).sum();
    Map<String, long[]> byType = new LinkedHashMap<>(); // op type -> {total microseconds, nodes executed}
    for (JsonNode e : events) {
      if ("Node".equals(e.path("cat").asText()) && e.path("name").asText().endsWith("_kernel_time")
          && e.path("ts").asLong() >= from) {
        long[] sum = byType.computeIfAbsent(e.path("args").path("op_name").asText("?"), k -> new long[2]);
        sum[0] += e.path("dur").asLong();
        sum[1]++;
      }
    }
    List<BenchResult.Operator> ops = new ArrayList<>();
    byType.forEach((type, sum) -> ops.add(
        new BenchResult.Operator(type, (double) sum[1] / runs, sum[0] / 1000.0 / runs)));
    ops.sort(Comparator.comparingDouble(BenchResult.Operator::msPerStep).reversed());
    return new OperatorProfile(List.copyOf(ops), runMicros / 1000.0 / runs, runs);
  }
}
