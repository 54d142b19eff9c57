package dev.edgesplit.cloud.compute;

import java.util.Objects;

/**
 * What the worker serves: the compiled model and cut the edge must match, and the tensor sizes.
 *
 * @param fingerprint lowercase sha256 hex of the compiled model
 * @param cut first layer the worker runs (it runs [cut, nLayers) + norm + LM head)
 * @param nLayers decoder layers N of the model
 * @param dim hidden size d
 * @param vocabSize vocabulary size (logits length)
 * @param maxContext positions a session may hold
 */
public record CloudModelInfo(
    String fingerprint, int cut, int nLayers, int dim, int vocabSize, int maxContext) {

  public CloudModelInfo {
    Objects.requireNonNull(fingerprint, "fingerprint");
    if (cut < 0 || cut > nLayers) {
      throw new IllegalArgumentException("cut " + cut + " outside [0, " + nLayers + "]");
    }
    if (dim < 1 || vocabSize < 1 || maxContext < 1) {
      throw new IllegalArgumentException("dim, vocabSize and maxContext must be positive");
    }
  }
}
