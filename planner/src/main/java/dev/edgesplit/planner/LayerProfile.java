package dev.edgesplit.planner;

import dev.edgesplit.engine.segment.WeightFormat;
import java.util.Objects;

/**
 * Everything measured about one model on one edge device and its cloud, per decode token: the input
 * of the {@link CutPlanner}. Cached by {@link LayerProfileStore} under device + model fingerprint +
 * weight format.
 *
 * @param device edge device identifier ("rpi5", "x86-dev")
 * @param modelFingerprint identifies the exact model weights
 * @param weights weight format of the edge layers
 * @param shape model sizes
 * @param edge edge per-layer time and energy
 * @param cloud cloud per-layer time and power
 */
public record LayerProfile(
    String device,
    String modelFingerprint,
    WeightFormat weights,
    ModelShape shape,
    EdgeCosts edge,
    CloudCosts cloud) {

  public LayerProfile {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(modelFingerprint, "modelFingerprint");
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(edge, "edge");
    Objects.requireNonNull(cloud, "cloud");
    if (device.isBlank() || modelFingerprint.isBlank()) {
      throw new IllegalArgumentException("device and modelFingerprint must not be blank");
    }
    int n = shape.nLayers();
    if (edge.layerMillis().size() != n || cloud.layerMillis().size() != n) {
      throw new IllegalArgumentException(
          "profile of "
              + n
              + " layers has "
              + edge.layerMillis().size()
              + " edge and "
              + cloud.layerMillis().size()
              + " cloud layer timings");
    }
  }

  /**
   * This profile with the edge's times and compute energy multiplied by {@code edgeScale} and the
   * cloud's times by {@code cloudScale}: what was profiled, at the speed each side is seen to run
   * now.
   */
  public LayerProfile scaled(double edgeScale, double cloudScale) {
    if (!(edgeScale > 0)
        || !(cloudScale > 0)
        || Double.isInfinite(edgeScale)
        || Double.isInfinite(cloudScale)) {
      throw new IllegalArgumentException(
          "scales must be positive and finite: edge " + edgeScale + ", cloud " + cloudScale);
    }
    if (edgeScale == 1.0 && cloudScale == 1.0) {
      return this;
    }
    return new LayerProfile(
        device, modelFingerprint, weights, shape, edge.scaled(edgeScale), cloud.scaled(cloudScale));
  }
}
