package dev.edgesplit.partitioner.quant;

import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.reference.ActivationObserver;
import dev.edgesplit.partitioner.reference.ReferenceForward;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Mean squared input activation of every input channel of every linear layer, gathered by running
 * the reference model over calibration tokens. Channels that carry large activations matter more:
 * the quantizer weights their errors by these values (the observation behind AWQ).
 */
public final class ActivationStats implements ActivationObserver {

  private final Map<String, double[]> sumSquares = new HashMap<>();
  private final Map<String, Integer> counts = new HashMap<>();
  private final Map<String, List<float[]>> inputs = new HashMap<>();

  /**
   * Runs {@code tokens} through the reference model of {@code model} and records every linear
   * input.
   */
  public static ActivationStats collect(ModelWeights model, int[] tokens) {
    ActivationStats stats = new ActivationStats();
    ReferenceForward forward = new ReferenceForward(model, tokens.length);
    forward.observe(stats);
    for (int token : tokens) {
      forward.step(token);
    }
    return stats;
  }

  @Override
  public void onInput(int layer, String weight, float[] input) {
    String name = ModelWeights.layerName(layer, weight);
    double[] acc = sumSquares.computeIfAbsent(name, k -> new double[input.length]);
    for (int i = 0; i < input.length; i++) {
      acc[i] += (double) input[i] * input[i];
    }
    counts.merge(name, 1, Integer::sum);
    inputs.computeIfAbsent(name, k -> new ArrayList<>()).add(input.clone());
  }

  /**
   * Every calibration input of the weight {@code layers.{i}.{name}} (rows of X), or null when never
   * observed.
   */
  public float[][] inputs(String weightName) {
    List<float[]> rows = inputs.get(weightName);
    return rows == null ? null : rows.toArray(new float[0][]);
  }

  /**
   * Per-channel importance of the weight {@code layers.{i}.{name}}, or null when it was never
   * observed.
   */
  public float[] importance(String weightName) {
    double[] acc = sumSquares.get(weightName);
    if (acc == null) {
      return null;
    }
    int n = counts.get(weightName);
    float[] out = new float[acc.length];
    for (int i = 0; i < acc.length; i++) {
      // A floor keeps channels that never fired from being quantized carelessly.
      out[i] = (float) (acc[i] / n) + 1e-6f;
    }
    return out;
  }
}
