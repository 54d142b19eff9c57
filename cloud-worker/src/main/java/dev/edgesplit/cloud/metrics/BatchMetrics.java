package dev.edgesplit.cloud.metrics;

import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A batching worker's batch figures on its Prometheus registry: decode steps and decode runs (steps
 * / runs is the mean batch) and the largest batch so far, counting plain and U-shaped sessions
 * alike. Counts only: nothing here names a session, a token or a range.
 */
public final class BatchMetrics {

  private BatchMetrics() {}

  public static void bindTo(MeterRegistry registry, BatchingCloudCompute compute) {
    FunctionCounter.builder("edgesplit.batch.decode.steps", compute, c -> c.decodeSteps())
        .description("Decode steps the batcher ran, every session and layer range together")
        .tag("side", "cloud")
        .register(registry);
    FunctionCounter.builder("edgesplit.batch.decode.runs", compute, c -> c.decodeRuns())
        .description("ONNX Runtime decode runs; steps over runs is the mean batch")
        .tag("side", "cloud")
        .register(registry);
    Gauge.builder("edgesplit.batch.largest", compute, c -> c.largestBatchSize())
        .description("Most decode steps one run has carried")
        .tag("side", "cloud")
        .register(registry);
  }
}
