package dev.edgesplit.bench;

import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * One layer's prefill and decode steps by operator type, from ONNX Runtime's own profiler (which
 * adds its own time to every operator, so runs are slower than the engine's {@code SegmentProfiler}
 * times them). Inputs are seeded noise: the speed of these operators does not depend on the values.
 */
final class OperatorBreakdown {

  /** One layer's prefill of the prompt and its decode steps after warm-up, by operator type. */
  record Windows(OperatorProfile prefill, OperatorProfile decode) {}

  private OperatorBreakdown() {}

  /**
   * The layer whose operators the bench profiles: the middle one, away from either end's caches.
   */
  static int layer(int nLayers) {
    return nLayers / 2;
  }

  /**
   * Layer {@code layer}'s prefill of {@code context} positions, then {@code steps} warm-up and
   * {@code steps} measured decode steps, by operator type.
   */
  static Windows of(
      CompiledModel model,
      WeightFormat format,
      RuntimeOptions runtime,
      int context,
      int steps,
      int layer)
      throws IOException {
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
      return new Windows(trace.window(0, 1), trace.window(1 + steps, steps));
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static float[] noise(SplittableRandom random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return v;
  }
}
