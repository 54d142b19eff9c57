package dev.edgesplit.bench;

import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Decode-step time of each part alone, from the per-layer segments: the embedding, every layer
 * (after a prefill of {@code context} positions so attention reads a realistic KV cache) and the
 * final norm + LM head. Inputs are seeded noise: the speed of these operators does not depend on
 * the values.
 */
final class LayerProfiler {

  /** Median and p90 of one part, in ms per decode step. */
  record PartTime(String part, double medianMs, double p90Ms) {}

  private final CompiledModel model;
  private final WeightFormat format;
  private final RuntimeOptions runtime;
  private final int context;
  private final int steps;

  LayerProfiler(
      CompiledModel model, WeightFormat format, RuntimeOptions runtime, int context, int steps) {
    if (context < 1 || steps < 2) {
      throw new IllegalArgumentException("need a context and at least two steps");
    }
    this.model = model;
    this.format = format;
    this.runtime = runtime;
    this.context = context;
    this.steps = steps;
  }

  List<PartTime> profile() {
    int n = model.config().nLayers();
    int dim = model.config().dim();
    SplittableRandom random = new SplittableRandom(7);
    float[] prefill = noise(random, context * dim);
    float[] one = noise(random, dim);
    List<PartTime> parts = new ArrayList<>();
    try (SegmentChain embed = model.openEdge(0, runtime);
        ChainState state = embed.newState()) {
      int[] token = {1};
      parts.add(time("embedding", () -> embed.forwardTokens(state, token), state));
    }
    for (int layer = 0; layer < n; layer++) {
      try (SegmentChain chain = model.openLayers(layer, layer + 1, false, false, format, runtime);
          ChainState state = chain.newState()) {
        chain.forwardHidden(state, prefill, context);
        int start = state.position();
        parts.add(
            time(
                "layer " + layer,
                () -> {
                  if (state.position() >= chain.maxContext()) {
                    throw new IllegalStateException("profile ran past the context");
                  }
                  chain.forwardHidden(state, one, 1);
                },
                null));
        if (state.position() - start != 2 * steps) {
          throw new IllegalStateException(
              "layer " + layer + " did not advance one position per step");
        }
      }
    }
    try (SegmentChain head = model.openCloud(n, runtime);
        ChainState state = head.newState()) {
      parts.add(time("final norm + LM head", () -> head.forwardHidden(state, one, 1), state));
    }
    return parts;
  }

  /**
   * The layer whose operators the bench profiles: the middle one, away from either end's caches.
   */
  static int operatorLayer(int nLayers) {
    return nLayers / 2;
  }

  /** One layer's prefill of the prompt and its decode steps after warm-up, by operator type. */
  record LayerOperators(OperatorProfile prefill, OperatorProfile decode) {}

  /**
   * Layer {@code layer}'s prefill and decode steps by operator type, from ONNX Runtime's profiler
   * (which adds its own time to every operator, so runs are slower than in {@link #profile}): same
   * prompt, warm-up and steps.
   */
  LayerOperators operators(int layer) throws IOException {
    Path dir = Files.createTempDirectory("edgesplit-ort-profile");
    try {
      float[] prefill = noise(new SplittableRandom(7), context * model.config().dim());
      float[] one = noise(new SplittableRandom(8), model.config().dim());
      List<Path> files;
      try (SegmentChain chain =
              model.openLayers(
                  layer,
                  layer + 1,
                  false,
                  false,
                  format,
                  runtime.profiled(dir.resolve("layer").toString()));
          ChainState state = chain.newState()) {
        chain.forwardHidden(state, prefill, context);
        for (int i = 0; i < 2 * steps; i++) {
          chain.forwardHidden(state, one, 1);
        }
        files = chain.endProfiling();
      }
      // Run 0 is the prefill, runs 1..steps the warm-up, the last steps runs the measured decode
      // steps.
      OperatorProfile.Trace trace = OperatorProfile.Trace.read(files.get(0));
      return new LayerOperators(trace.window(0, 1), trace.window(1 + steps, steps));
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /**
   * Warms up with {@code steps} runs, then times {@code steps} runs; {@code resetEach} keeps the
   * position at 0.
   */
  private PartTime time(String part, Runnable step, ChainState resetEach) {
    long[] nanos = new long[steps];
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < steps; i++) {
        if (resetEach != null) {
          resetEach.reset();
        }
        long t = System.nanoTime();
        step.run();
        nanos[i] = System.nanoTime() - t;
      }
    }
    LatencyStats s = LatencyStats.ofNanos(nanos, steps);
    return new PartTime(part, s.medianMs(), s.p90Ms());
  }

  private static float[] noise(SplittableRandom random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return v;
  }
}
