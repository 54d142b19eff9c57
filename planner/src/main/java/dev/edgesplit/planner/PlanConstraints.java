package dev.edgesplit.planner;

/**
 * Limits a cut must meet.
 *
 * @param edgeMemoryBudgetBytes largest edge memory (weights + KV cache at {@code maxContext}); null for none
 * @param latencyTargetMillis   largest per-token latency; null for none
 * @param minEdgeLayers         privacy floor: fewest layers that must run on the edge (1 keeps the prompt's
 *                              embeddings on the board)
 * @param maxContext            positions the KV cache is sized for
 */
public record PlanConstraints(Long edgeMemoryBudgetBytes, Double latencyTargetMillis, int minEdgeLayers,
    int maxContext) {

  /** The default privacy floor. */
  public static final int DEFAULT_MIN_EDGE_LAYERS = 1;

  public PlanConstraints {
    if (edgeMemoryBudgetBytes != null && edgeMemoryBudgetBytes <= 0) {
      throw new IllegalArgumentException("edge memory budget must be positive, got " + edgeMemoryBudgetBytes);
    }
    if (latencyTargetMillis != null && !(latencyTargetMillis > 0)) {
      throw new IllegalArgumentException("latency target must be positive, got " + latencyTargetMillis);
    }
    if (minEdgeLayers < 0) {
      throw new IllegalArgumentException("minEdgeLayers must be >= 0, got " + minEdgeLayers);
    }
    if (maxContext <= 0) {
      throw new IllegalArgumentException("maxContext must be positive, got " + maxContext);
    }
  }

  /** No budget, no target, the default privacy floor. */
  public static PlanConstraints defaults(int maxContext) {
    return new PlanConstraints(null, null, DEFAULT_MIN_EDGE_LAYERS, maxContext);
  }

  public PlanConstraints withMemoryBudget(long bytes) {
    return new PlanConstraints(bytes, latencyTargetMillis, minEdgeLayers, maxContext);
  }

  public PlanConstraints withLatencyTarget(double millis) {
    return new PlanConstraints(edgeMemoryBudgetBytes, millis, minEdgeLayers, maxContext);
  }

  public PlanConstraints withMinEdgeLayers(int layers) {
    return new PlanConstraints(edgeMemoryBudgetBytes, latencyTargetMillis, layers, maxContext);
  }
}
