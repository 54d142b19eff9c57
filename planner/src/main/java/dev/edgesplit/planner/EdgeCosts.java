package dev.edgesplit.planner;

import java.util.List;
import java.util.Objects;

/**
 * Measured per-token costs of the edge device for one model and weight format.
 *
 * @param layerMillis decode time of layer i for one token, milliseconds; one entry per layer
 * @param layerJoules energy of layer i for one token, joules; one entry per layer
 * @param embeddingMillis embedding lookup time per token
 * @param embeddingJoules embedding energy per token
 * @param headMillis time of final norm + LM head + sampling on the edge, or null when not profiled
 *     (then the planner offers no edge-only row)
 * @param headJoules energy of the edge head, null exactly when {@code headMillis} is
 * @param idleWatts board power while waiting for the cloud
 * @param radioJoulesPerByte energy to transmit one payload byte ({@link
 *     #DEFAULT_RADIO_JOULES_PER_BYTE} unless measured)
 * @param energySource label of the meter the joules came from ("rpi5-pmic (measured)", "estimate
 *     (estimated)")
 */
public record EdgeCosts(
    List<Double> layerMillis,
    List<Double> layerJoules,
    double embeddingMillis,
    double embeddingJoules,
    Double headMillis,
    Double headJoules,
    double idleWatts,
    double radioJoulesPerByte,
    String energySource) {

  /**
   * Assumption, not a measurement: about 7 uJ per byte sent over Wi-Fi, the per-kilobyte slope
   * (0.007 J/KB) of the Wi-Fi transfer-energy model of Balasubramanian et al., "Energy Consumption
   * in Mobile Phones", IMC 2009, without its fixed association cost. Replace with a board
   * measurement when one exists.
   */
  public static final double DEFAULT_RADIO_JOULES_PER_BYTE = 7e-6;

  public EdgeCosts {
    layerMillis = List.copyOf(layerMillis);
    layerJoules = List.copyOf(layerJoules);
    Objects.requireNonNull(energySource, "energySource");
    if (layerMillis.size() != layerJoules.size()) {
      throw new IllegalArgumentException(
          "edge layerMillis has "
              + layerMillis.size()
              + " entries but layerJoules "
              + layerJoules.size());
    }
    PlanChecks.nonNegative("edge layerMillis", layerMillis);
    PlanChecks.nonNegative("edge layerJoules", layerJoules);
    PlanChecks.nonNegative("embeddingMillis", embeddingMillis);
    PlanChecks.nonNegative("embeddingJoules", embeddingJoules);
    PlanChecks.nonNegative("idleWatts", idleWatts);
    PlanChecks.nonNegative("radioJoulesPerByte", radioJoulesPerByte);
    if ((headMillis == null) != (headJoules == null)) {
      throw new IllegalArgumentException(
          "edge headMillis and headJoules must both be present or both absent");
    }
    if (headMillis != null) {
      PlanChecks.nonNegative("edge headMillis", headMillis);
      PlanChecks.nonNegative("edge headJoules", headJoules);
    }
  }

  /**
   * These costs with every time and compute energy multiplied by {@code scale}: the same work on a
   * board running {@code scale} times slower (throttled) at the same power. Idle power and radio
   * energy do not change.
   */
  public EdgeCosts scaled(double scale) {
    return new EdgeCosts(
        PlanChecks.times(layerMillis, scale),
        PlanChecks.times(layerJoules, scale),
        embeddingMillis * scale,
        embeddingJoules * scale,
        headMillis == null ? null : headMillis * scale,
        headJoules == null ? null : headJoules * scale,
        idleWatts,
        radioJoulesPerByte,
        energySource);
  }

  /** True when the edge head was profiled, so an edge-only plan can be priced. */
  public boolean hasHead() {
    return headMillis != null;
  }
}
