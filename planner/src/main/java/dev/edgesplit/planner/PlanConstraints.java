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
 * @param tokensPerRoundTrip measured generated tokens per round trip (speculative decoding,
 *     docs/speculative-decoding.md), >= 1: each token pays RTT / t of the link's latency; 1 is one
 *     token per round trip. 0 (absent from an older plan.json) reads as 1.
 */
public record PlanConstraints(
    Long edgeMemoryBudgetBytes,
    Double latencyTargetMillis,
    int minEdgeLayers,
    int maxContext,
    TokenRecoveryLimit tokenRecovery,
    double tokensPerRoundTrip) {

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
    if (tokensPerRoundTrip == 0) {
      tokensPerRoundTrip = 1;
    }
    if (!(tokensPerRoundTrip >= 1) || Double.isInfinite(tokensPerRoundTrip)) {
      throw new IllegalArgumentException(
          "tokens per round trip must be >= 1 and finite, got " + tokensPerRoundTrip);
    }
  }

  public PlanConstraints(
      Long edgeMemoryBudgetBytes, Double latencyTargetMillis, int minEdgeLayers, int maxContext) {
    this(edgeMemoryBudgetBytes, latencyTargetMillis, minEdgeLayers, maxContext, null, 1);
  }

  /** No budget, no target, the default privacy floor. */
  public static PlanConstraints defaults(int maxContext) {
    return new PlanConstraints(null, null, DEFAULT_MIN_EDGE_LAYERS, maxContext);
  }

  public PlanConstraints withMemoryBudget(long bytes) {
    return new PlanConstraints(
        bytes, latencyTargetMillis, minEdgeLayers, maxContext, tokenRecovery, tokensPerRoundTrip);
  }

  public PlanConstraints withLatencyTarget(double millis) {
    return new PlanConstraints(
        edgeMemoryBudgetBytes,
        millis,
        minEdgeLayers,
        maxContext,
        tokenRecovery,
        tokensPerRoundTrip);
  }

  public PlanConstraints withMinEdgeLayers(int layers) {
    return new PlanConstraints(
        edgeMemoryBudgetBytes,
        latencyTargetMillis,
        layers,
        maxContext,
        tokenRecovery,
        tokensPerRoundTrip);
  }

  /** Prices the link at {@code t} generated tokens per round trip (>= 1). */
  public PlanConstraints withTokensPerRoundTrip(double t) {
    return new PlanConstraints(
        edgeMemoryBudgetBytes, latencyTargetMillis, minEdgeLayers, maxContext, tokenRecovery, t);
  }

  public PlanConstraints withTokenRecovery(TokenRecoveryLimit limit) {
    return new PlanConstraints(
        edgeMemoryBudgetBytes,
        latencyTargetMillis,
        minEdgeLayers,
        maxContext,
        limit,
        tokensPerRoundTrip);
  }
}
