package dev.edgesplit.partitioner.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GPTQ's promise: a smaller error on the layer's outputs than plain rounding, for the inputs it
 * saw.
 */
class GptqQuantizerTest {

  @ParameterizedTest(name = "{0} bits")
  @ValueSource(ints = {4, 8})
  void outputError_onCalibrationInputs_isBelowRoundToNearest(int bits) {
    int n = 48;
    int k = 80; // a partial last block
    SplittableRandom rnd = new SplittableRandom(3);
    float[] w = new float[n * k];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian() * 0.1f;
    }
    // Correlated inputs with a few strong channels, as real activations are.
    float[][] x = new float[256][k];
    for (float[] row : x) {
      double shared = rnd.nextGaussian();
      for (int c = 0; c < k; c++) {
        row[c] = (float) (rnd.nextGaussian() + 0.7 * shared) * (c % 11 == 0 ? 6f : 1f);
      }
    }
    BlockwiseQuantizer blockwise = new BlockwiseQuantizer(bits, 32);
    double rtn = outputError(w, blockwise.quantize(w, n, k).dequantize(), x, n, k);
    double gptq =
        outputError(w, new GptqQuantizer(blockwise).quantize(w, n, k, x).dequantize(), x, n, k);
    System.out.printf("%d bits: output squared error RTN %.5f, GPTQ %.5f%n", bits, rtn, gptq);
    assertThat(gptq).isLessThan(rtn * 0.8);
  }

  private static double outputError(float[] w, float[] q, float[][] x, int n, int k) {
    double sum = 0;
    for (float[] row : x) {
      for (int o = 0; o < n; o++) {
        double d = 0;
        for (int c = 0; c < k; c++) {
          d += (w[o * k + c] - q[o * k + c]) * row[c];
        }
        sum += d * d;
      }
    }
    return sum / x.length;
  }
}
