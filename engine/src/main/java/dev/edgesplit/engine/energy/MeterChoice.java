package dev.edgesplit.engine.energy;

import java.util.List;
import java.util.Objects;

/**
 * The meter {@link EnergyMeters#probe} picked and why the better kinds were passed over.
 *
 * @param meter the open meter; the caller owns and closes it
 * @param skipped one labelled reason per meter kind tried before it, e.g. {@code "rapl: no RAPL
 *     package domain under /sys/class/powercap"}
 */
public record MeterChoice(EnergyMeter meter, List<String> skipped) {

  public MeterChoice {
    Objects.requireNonNull(meter, "meter");
    skipped = List.copyOf(skipped);
  }

  /** True when the meter measures rather than estimates. */
  public boolean measured() {
    return meter.source().measured();
  }
}
