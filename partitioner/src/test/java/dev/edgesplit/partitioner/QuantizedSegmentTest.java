package dev.edgesplit.partitioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.model.FloatTensor;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.partitioner.quant.BlockwiseQuantizer;
import dev.edgesplit.partitioner.reference.ReferenceForward;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MatMulNBits segments compute exactly what their dequantized weights compute (accuracy level 0).
 */
class QuantizedSegmentTest {

  private static final Pattern LINEAR = Pattern.compile("layers\\.\\d+\\.w[qkvo123]");

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(
      value = WeightFormat.class,
      names = {"INT8", "INT4"})
  void quantizedEdge_matchesReferenceOnDequantizedWeights(WeightFormat format) throws Exception {
    ModelWeights weights = RandomModels.tiny(16, true, false, 11);
    int cut = 2;
    CompiledModel compiled =
        new Compiler(
                new CompileOptions(cut, format, WeightFormat.FP32, SegmentOptions.defaults(64)))
            .compile(weights, dir);
    ReferenceForward ref = new ReferenceForward(dequantizedEdge(weights, format, cut), 64);

    try (SegmentChain edge = compiled.openEdge(cut, RuntimeOptions.defaults());
        SegmentChain cloud = compiled.openCloud(cut, RuntimeOptions.defaults());
        ChainState a = edge.newState();
        ChainState b = cloud.newState()) {
      for (int token : new int[] {1, 50, 7, 33, 90, 4}) {
        float[] expected = ref.step(token);
        float[] actual = cloud.forwardHidden(b, edge.forwardTokens(a, new int[] {token}), 1);
        for (int i = 0; i < expected.length; i++) {
          assertThat(actual[i]).as("logit %d", i).isCloseTo(expected[i], within(2e-4f));
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = WeightFormat.class,
      names = {"INT8", "INT4"})
  void blockError_isNoWorseThanPlainMinMaxRounding(WeightFormat format) {
    float[] w = RandomModels.tiny(16, true, false, 3).layer(0, "w2").data();
    int n = 64;
    int k = 48; // not a multiple of the block: the last block is partial
    var q = new BlockwiseQuantizer(format.bits(), 32).quantize(w, n, k);
    float[] back = q.dequantize();
    int qmax = (1 << format.bits()) - 1;
    for (int row = 0; row < n; row++) {
      for (int start = 0; start < k; start += 32) {
        int end = Math.min(k, start + 32);
        float min = 0;
        float max = 0;
        for (int c = start; c < end; c++) {
          min = Math.min(min, w[row * k + c]);
          max = Math.max(max, w[row * k + c]);
        }
        float step = (max - min) / qmax;
        int zp = Math.round(-min / step);
        double plain = 0;
        double chosen = 0;
        for (int c = start; c < end; c++) {
          float v = w[row * k + c];
          float rounded = (Math.max(0, Math.min(qmax, Math.round(v / step) + zp)) - zp) * step;
          plain += (rounded - v) * (rounded - v);
          chosen += (back[row * k + c] - v) * (back[row * k + c] - v);
          assertThat(Math.abs(back[row * k + c] - v)).isLessThan(step * 2);
        }
        assertThat(chosen).isLessThanOrEqualTo(plain + 1e-9);
      }
    }
  }

  private static ModelWeights dequantizedEdge(ModelWeights m, WeightFormat format, int cut) {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>(m.tensors());
    BlockwiseQuantizer quantizer = new BlockwiseQuantizer(format.bits(), 32);
    for (int layer = 0; layer < cut; layer++) {
      for (String name : new String[] {"wq", "wk", "wv", "wo", "w1", "w2", "w3"}) {
        FloatTensor t = m.layer(layer, name);
        assertThat(LINEAR.matcher(t.name()).matches()).isTrue();
        float[] back = quantizer.quantize(t.data(), t.rows(), t.cols()).dequantize();
        tensors.put(t.name(), new FloatTensor(t.name(), t.shape(), back));
      }
    }
    return new ModelWeights(m.config(), tensors, m.tokenizer(), m.fingerprint());
  }
}
