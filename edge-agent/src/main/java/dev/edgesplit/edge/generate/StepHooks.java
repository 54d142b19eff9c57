package dev.edgesplit.edge.generate;

import dev.edgesplit.server.energy.StepEnergy;
import java.util.Objects;

/**
 * What a generation reports to and is slowed by, besides its client.
 *
 * @param energy edge energy per step
 * @param listener metrics, energy log, re-planner
 * @param slowdown injected edge slowdown (tests and demos of thermal throttling); {@link
 *     EdgeSlowdown#none()}
 */
public record StepHooks(StepEnergy energy, StepListener listener, EdgeSlowdown slowdown) {

  public StepHooks {
    Objects.requireNonNull(energy, "energy");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(slowdown, "slowdown");
  }

  /** Energy only: no listener, no slowdown. */
  public static StepHooks of(StepEnergy energy) {
    return new StepHooks(energy, StepListener.NONE, EdgeSlowdown.none());
  }
}
