package dev.edgesplit.engine.profile;

import dev.edgesplit.engine.energy.EnergySource;
import java.util.List;
import java.util.Objects;

/**
 * Per-token decode cost of each segment of a model on this machine, as measured by {@link
 * SegmentProfiler}.
 *
 * @param layerMillis mean decode time of layer i, milliseconds
 * @param layerJoules this side's energy during layer i's decode step, joules (whole-device:
 *     includes idle power for the step's duration)
 * @param embeddingMillis embedding lookup per token; 0 when not profiled
 * @param embeddingJoules embedding energy per token
 * @param headMillis final norm + LM head per token, or null when not profiled
 * @param headJoules head energy per token, null exactly when {@code headMillis} is
 * @param watts mean power over every timed step
 * @param idleWatts power with nothing running (from the estimate's profile, or measured while
 *     sleeping)
 * @param source the meter behind the joules
 */
public record LayerTimings(
    List<Double> layerMillis,
    List<Double> layerJoules,
    double embeddingMillis,
    double embeddingJoules,
    Double headMillis,
    Double headJoules,
    double watts,
    double idleWatts,
    EnergySource source) {

  public LayerTimings {
    layerMillis = List.copyOf(layerMillis);
    layerJoules = List.copyOf(layerJoules);
    Objects.requireNonNull(source, "source");
    if (layerMillis.size() != layerJoules.size()) {
      throw new IllegalArgumentException("layerMillis and layerJoules differ in length");
    }
    if ((headMillis == null) != (headJoules == null)) {
      throw new IllegalArgumentException(
          "headMillis and headJoules must both be present or both absent");
    }
  }
}
