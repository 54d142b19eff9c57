package dev.edgesplit.partitioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgesplit.engine.model.RopeScaling;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.partitioner.reference.ReferenceForward;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SegmentEquivalenceTest {

  private static final int[] PROMPT = {5, 17, 42, 3, 88};
  private static final int[] CONTINUATION = {11, 60, 2};

  @TempDir Path dir;

  @ParameterizedTest(name = "head size {0}, interleaved {1}, bias {2}, rope scaling {3}")
  @CsvSource({
    "16, false, false, none",
    "16, true, false, none",
    "8, true, false, none",
    "8, false, true, none",
    "16, false, false, llama3",
    "8, true, false, linear"
  })
  void chainedSegments_matchUnsplitModelAndJavaReference_atEveryCut(
      int headSize, boolean interleaved, boolean bias, String scaling) throws Exception {
    ModelWeights weights = RandomModels.tiny(headSize, interleaved, bias, 7);
    if (!scaling.equals("none")) {
      // A short original context so that most frequencies are scaled at these few positions.
      ModelWeights scaled =
          new ModelWeights(
              weights.config().withRopeScaling(new RopeScaling(scaling, 4, 1, 4, 16)),
              weights.tensors(),
              weights.tokenizer(),
              weights.fingerprint());
      float[] a = stepTwice(scaled);
      float[] b = stepTwice(weights);
      assertThat(a).as("scaling changes what the model computes").isNotEqualTo(b);
      weights = scaled;
    }
    CompiledModel compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(64)))
            .compile(weights, dir);
    List<float[]> reference = referenceLogits(weights);

    try (SegmentChain whole = compiled.openWhole(WeightFormat.FP32, RuntimeOptions.defaults())) {
      assertClose(run(whole, null), reference, 1e-4f);
    }
    for (int cut = 0; cut <= weights.config().nLayers(); cut++) {
      try (SegmentChain edge = compiled.openEdge(cut, RuntimeOptions.defaults());
          SegmentChain cloud = compiled.openCloud(cut, RuntimeOptions.defaults())) {
        assertClose(run(edge, cloud), reference, 1e-4f);
      }
    }
  }

  private static float[] stepTwice(ModelWeights w) {
    ReferenceForward f = new ReferenceForward(w, 8);
    f.step(5);
    return f.step(9);
  }

  /** Logits after the prompt (one prefill) and after each continuation token (decode steps). */
  private static List<float[]> run(SegmentChain first, SegmentChain second) {
    List<float[]> out = new ArrayList<>();
    try (ChainState a = first.newState();
        ChainState b = second == null ? null : second.newState()) {
      out.add(step(first, second, a, b, PROMPT));
      for (int token : CONTINUATION) {
        out.add(step(first, second, a, b, new int[] {token}));
      }
      assertThat(a.position()).isEqualTo(PROMPT.length + CONTINUATION.length);
    }
    return out;
  }

  private static float[] step(
      SegmentChain first, SegmentChain second, ChainState a, ChainState b, int[] tokens) {
    float[] y = first.forwardTokens(a, tokens);
    return second == null ? y : second.forwardHidden(b, y, tokens.length);
  }

  private static List<float[]> referenceLogits(ModelWeights weights) {
    ReferenceForward ref = new ReferenceForward(weights, 64);
    List<float[]> out = new ArrayList<>();
    float[] logits = null;
    for (int t : PROMPT) {
      logits = ref.step(t);
    }
    out.add(logits);
    for (int t : CONTINUATION) {
      out.add(ref.step(t));
    }
    return out;
  }

  private static void assertClose(List<float[]> actual, List<float[]> expected, float tolerance) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int step = 0; step < expected.size(); step++) {
      float[] a = actual.get(step);
      float[] e = expected.get(step);
      assertThat(a).hasSameSizeAs(e);
      for (int i = 0; i < e.length; i++) {
        assertThat(a[i]).as("step %d logit %d", step, i).isCloseTo(e[i], within(tolerance));
      }
    }
  }
}
