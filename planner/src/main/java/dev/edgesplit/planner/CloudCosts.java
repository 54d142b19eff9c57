package dev.edgesplit.planner;

import java.util.List;

/**
 * Per-token costs reported by the cloud worker.
 *
 * @param layerMillis decode time of layer i for one token, milliseconds; one entry per layer
 * @param headMillis final norm + LM head + sampling, milliseconds
 * @param watts power attributed to this model's work on the cloud host
 */
public record CloudCosts(List<Double> layerMillis, double headMillis, double watts) {

  public CloudCosts {
    layerMillis = List.copyOf(layerMillis);
    PlanChecks.nonNegative("cloud layerMillis", layerMillis);
    PlanChecks.nonNegative("cloud headMillis", headMillis);
    PlanChecks.nonNegative("cloud watts", watts);
  }

  /**
   * These costs with every time multiplied by {@code scale} (a busier or slower cloud host at the
   * same power).
   */
  public CloudCosts scaled(double scale) {
    return new CloudCosts(PlanChecks.times(layerMillis, scale), headMillis * scale, watts);
  }
}
