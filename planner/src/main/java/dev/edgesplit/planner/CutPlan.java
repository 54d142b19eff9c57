package dev.edgesplit.planner;

import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.planner.link.LinkEstimate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The planner's answer: every cut priced, the rejected ones with reasons, and the chosen one.
 *
 * @param device edge device of the profile
 * @param modelFingerprint model of the profile
 * @param weights edge weight format
 * @param wire hidden-state encoding on the link
 * @param edgeEnergySource label of the meter behind the edge joules ("estimate (estimated)" when
 *     estimated)
 * @param link link estimate used
 * @param constraints constraints applied
 * @param goal objective applied
 * @param rows one row per cut 0..N, plus an edge-only row when the edge head was profiled
 * @param chosenRow index into {@code rows} of the choice, or -1 when no row is feasible
 */
public record CutPlan(
    String device,
    String modelFingerprint,
    WeightFormat weights,
    WireDType wire,
    String edgeEnergySource,
    LinkEstimate link,
    PlanConstraints constraints,
    PlanGoal goal,
    List<CutRow> rows,
    int chosenRow) {

  public CutPlan {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(modelFingerprint, "modelFingerprint");
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(wire, "wire");
    Objects.requireNonNull(edgeEnergySource, "edgeEnergySource");
    Objects.requireNonNull(link, "link");
    Objects.requireNonNull(constraints, "constraints");
    Objects.requireNonNull(goal, "goal");
    rows = List.copyOf(rows);
    if (chosenRow < -1 || chosenRow >= rows.size()) {
      throw new IllegalArgumentException(
          "chosenRow " + chosenRow + " outside " + rows.size() + " rows");
    }
    if (chosenRow >= 0 && !rows.get(chosenRow).feasible()) {
      throw new IllegalArgumentException(
          "chosen row " + rows.get(chosenRow).label() + " is not feasible");
    }
  }

  /** The chosen row, empty when every cut breaks a constraint. */
  public Optional<CutRow> chosen() {
    return chosenRow < 0 ? Optional.empty() : Optional.of(rows.get(chosenRow));
  }
}
