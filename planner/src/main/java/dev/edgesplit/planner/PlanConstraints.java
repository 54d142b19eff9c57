package dev.edgesplit.planner;

/**
 * Limits a cut must meet.
 *
 * @param edgeMemoryBudgetBytes largest edge memory (weights + KV cache at {@code maxContext}); null
 *     for none
 * @param latencyTargetMillis largest per-token latency; null for none
 * @param minEdgeLayers manual floor: fewest layers that must run on the edge (1 keeps token ids off
 *     the link, but not the tokens: see {@code edgesplit privacy} and {@code tokenRecovery})
 * @param maxContext positions the KV cache is sized for
 * @param tokenRecovery privacy floor measured by the inversion audit; null for none
 */
public record PlanConstraints(
    Long edgeMemoryBudgetBytes,
    Double latencyTargetMillis,
    int minEdgeLayers,
    int maxContext,
    TokenRecoveryLimit tokenRecovery) {

  /** The default privacy floor. */
  public static final int DEFAULT_MIN_EDGE_LAYERS = 1;

  public PlanConstraints {
    if (edgeMemoryBudgetBytes != null && edgeMemoryBudgetBytes <= 0) {
      throw new IllegalArgumentException(
          "edge memory budget must be positive, got " + edgeMemoryBudgetBytes);
    }
    if (latencyTargetMillis != null && !(latencyTargetMillis > 0)) {
      throw new IllegalArgumentException(
          "latency target must be positive, got " + latencyTargetMillis);
    }
    if (minEdgeLayers < 0) {
      throw new IllegalArgumentException("minEdgeLayers must be >= 0, got " + minEdgeLayers);
    }
    if (maxContext <= 0) {
      throw new IllegalArgumentException("maxContext must be positive, got " + maxContext);
    }
  }

  public PlanConstraints(
      Long edgeMemoryBudgetBytes, Double latencyTargetMillis, int minEdgeLayers, int maxContext) {
    this(edgeMemoryBudgetBytes, latencyTargetMillis, minEdgeLayers, maxContext, null);
  }

  /** No budget, no target, the default privacy floor. */
  public static PlanConstraints defaults(int maxContext) {
    return new PlanConstraints(null, null, DEFAULT_MIN_EDGE_LAYERS, maxContext);
  }

  public PlanConstraints withMemoryBudget(long bytes) {
    return new PlanConstraints(
        bytes, latencyTargetMillis, minEdgeLayers, maxContext, tokenRecovery);
  }

  public PlanConstraints withLatencyTarget(double millis) {
    return new PlanConstraints(
        edgeMemoryBudgetBytes, millis, minEdgeLayers, maxContext, tokenRecovery);
  }

  public PlanConstraints withMinEdgeLayers(int layers) {
    return new PlanConstraints(
        edgeMemoryBudgetBytes, latencyTargetMillis, layers, maxContext, tokenRecovery);
  }

  public PlanConstraints withTokenRecovery(TokenRecoveryLimit limit) {
    return new PlanConstraints(
        edgeMemoryBudgetBytes, latencyTargetMillis, minEdgeLayers, maxContext, limit);
  }
}
