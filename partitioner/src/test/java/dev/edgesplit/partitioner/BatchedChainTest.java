package dev.edgesplit.partitioner;

import dev.edgesplit.engine.sampling.Sampler;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgesplit.engine.segment.BatchedChain;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Batched decode steps of several sessions equal each session run alone. */
class BatchedChainTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "head size {0}, per-layer {1}")
  @CsvSource({"16, false", "8, true"})
  void batchedDecode_matchesSessionsRunAlone(int headSize, boolean perLayer) throws Exception {
    int cut = 1;
    CompiledModel compiled = new Compiler(new CompileOptions(perLayer ? null : cut, WeightFormat.FP32,
        WeightFormat.FP32, SegmentOptions.defaults(64))).compile(RandomModels.tiny(headSize, true, false, 9), dir);
    int[][] prompts = {{3, 14, 15}, {92, 65}, {35, 89, 79, 32}};
    try (SegmentChain edge = compiled.openEdge(cut, RuntimeOptions.defaults());
        SegmentChain cloud = compiled.openCloud(cut, RuntimeOptions.defaults());
        BatchedChain batched = compiled.openCloudBatched(cut, RuntimeOptions.defaults(), 4)) {
      int hole = batched.acquire(); // slot 0, released below: the batch runs it as a padding row
      int[] slots = new int[prompts.length];
      ChainState[] edges = new ChainState[prompts.length];
      ChainState[] alone = new ChainState[prompts.length];
      float[][] expected = new float[prompts.length][];
      float[][] actual = new float[prompts.length][];
      for (int i = 0; i < prompts.length; i++) {
        slots[i] = batched.acquire();
        edges[i] = edge.newState();
        alone[i] = cloud.newState();
        float[] h = edge.forwardTokens(edges[i], prompts[i]);
        expected[i] = cloud.forwardHidden(alone[i], h, prompts[i].length);
        actual[i] = batched.forward(slots[i], h, prompts[i].length);
        assertClose(actual[i], expected[i]);
      }
      batched.release(hole);
      for (int step = 0; step < 5; step++) {
        float[][] hidden = new float[prompts.length][];
        for (int i = 0; i < prompts.length; i++) {
          int next = Sampler.argmax(expected[i]);
          hidden[i] = edge.forwardTokens(edges[i], new int[] {next});
          expected[i] = cloud.forwardHidden(alone[i], hidden[i], 1);
        }
        actual = batched.decode(slots, hidden);
        for (int i = 0; i < prompts.length; i++) {
          assertClose(actual[i], expected[i]);
          assertThat(batched.position(slots[i])).isEqualTo(alone[i].position());
        }
      }
      for (int i = 0; i < prompts.length; i++) {
        edges[i].close();
        alone[i].close();
      }
    }
  }

  private static void assertClose(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("logit %d", i).isCloseTo(expected[i], within(1e-4f));
    }
  }

}
