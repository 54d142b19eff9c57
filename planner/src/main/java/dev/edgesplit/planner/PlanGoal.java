package dev.edgesplit.planner;

import java.util.Objects;

/**
 * The objective and, for {@link Objective#WEIGHTED}, the weight of energy.
 *
 * @param objective what to minimise
 * @param alpha weight of edge energy in [0, 1]; latency gets 1 - alpha. Ignored unless WEIGHTED.
 */
public record PlanGoal(Objective objective, double alpha) {

  public PlanGoal {
    Objects.requireNonNull(objective, "objective");
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
    }
  }

  public static PlanGoal energy() {
    return new PlanGoal(Objective.ENERGY, 1.0);
  }

  public static PlanGoal latency() {
    return new PlanGoal(Objective.LATENCY, 0.0);
  }

  public static PlanGoal weighted(double alpha) {
    return new PlanGoal(Objective.WEIGHTED, alpha);
  }
}
