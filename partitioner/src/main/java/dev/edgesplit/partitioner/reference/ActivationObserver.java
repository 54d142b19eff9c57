package dev.edgesplit.partitioner.reference;

/** Sees the input vector of each linear layer during a reference forward pass (for calibration). */
@FunctionalInterface
public interface ActivationObserver {

  /**
   * @param layer decoder layer
   * @param weight canonical weight name within the layer ("wq", "w2", ...)
   * @param input the input vector {@code [in]}; read it now, it may be reused
   */
  void onInput(int layer, String weight, float[] input);

  ActivationObserver NONE = (layer, weight, input) -> {};
}
