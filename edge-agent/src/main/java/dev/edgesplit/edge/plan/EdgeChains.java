package dev.edgesplit.edge.plan;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The edge chains (embedding + layers [0, cut)) an agent may serve. A fixed chain serves its own cut only; a
 * per-layer compiled model serves every cut, opening each cut's chain on first use and keeping it, so that
 * generations still running on the previous cut finish on their chain after a re-plan. Thread-safe.
 */
public final class EdgeChains implements AutoCloseable {

  private final CompiledModel model;
  private final RuntimeOptions runtime;
  private final Map<Integer, SegmentChain> chains = new ConcurrentHashMap<>();
  private final boolean owns;

  private EdgeChains(CompiledModel model, RuntimeOptions runtime, SegmentChain fixed) {
    this.model = model;
    this.runtime = runtime;
    this.owns = fixed == null;
    if (fixed != null) {
      chains.put(fixed.endLayer(), fixed);
    }
  }

  /** Only {@code chain}'s cut; the caller keeps owning and closes the chain. */
  public static EdgeChains fixed(SegmentChain chain) {
    if (!chain.takesTokens() || chain.firstLayer() != 0) {
      throw new IllegalArgumentException("an edge chain starts with the embedding");
    }
    return new EdgeChains(null, null, chain);
  }

  /** Every cut the per-layer {@code model} has segments for; chains are opened here and closed by close(). */
  public static EdgeChains perLayer(CompiledModel model, RuntimeOptions runtime) {
    return new EdgeChains(model, runtime, null);
  }

  /** True when {@code cut} can be served. */
  public boolean serves(int cut) {
    return chains.containsKey(cut) || (model != null && model.servesCut(cut));
  }

  /**
   * The chain of {@code cut}, opened now if needed.
   *
   * @throws IllegalArgumentException when this agent cannot serve that cut
   */
  public SegmentChain chain(int cut) {
    SegmentChain c = chains.get(cut);
    if (c != null) {
      return c;
    }
    if (model == null) {
      throw new IllegalArgumentException("edge runs a single-cut build for cut " + chains.keySet()
          + "; cut " + cut + " needs a per-layer build");
    }
    return chains.computeIfAbsent(cut, k -> model.openEdge(k, runtime));
  }

  /** Closes the chains this object opened (never a fixed chain, which its caller owns). Idempotent. */
  @Override
  public void close() {
    if (owns) {
      chains.values().forEach(SegmentChain::close);
    }
    chains.clear();
  }
}
