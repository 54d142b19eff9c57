package dev.edgesplit.planner;

import java.util.List;

/** Argument checks and arithmetic shared by the plan records. */
final class PlanChecks {

  private PlanChecks() {}

  static void nonNegative(String name, double value) {
    if (!Double.isFinite(value) || value < 0) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
    }
  }

  static void nonNegative(String name, List<Double> values) {
    for (int i = 0; i < values.size(); i++) {
      Double v = values.get(i);
      if (v == null) {
        throw new IllegalArgumentException(name + "[" + i + "] is missing");
      }
      nonNegative(name + "[" + i + "]", v);
    }
  }

  /** Each of {@code values} multiplied by {@code scale}. */
  static List<Double> times(List<Double> values, double scale) {
    return values.stream().map(v -> v * scale).toList();
  }
}
