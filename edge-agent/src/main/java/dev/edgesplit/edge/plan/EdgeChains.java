package dev.edgesplit.edge.plan;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chains an agent runs on the board, by cut: the edge chains (embedding + layers [0, cut)) and,
 * for the local fallback ({@code cloud.fallback=local}), the cloud's layers [cut, N) with norm and
 * LM head. A fixed build serves its own cut only; a per-layer compiled model serves every cut,
 * opening each chain on first use and keeping it, so that generations still running on the previous
 * cut finish on their chains after a re-plan. Thread-safe.
 */
public final class EdgeChains implements AutoCloseable {

  private final CompiledModel model;
  private final RuntimeOptions runtime;
  private final Map<Integer, SegmentChain> chains = new ConcurrentHashMap<>();
  private final Map<Integer, SegmentChain> cloudChains = new ConcurrentHashMap<>();
  private final boolean owns;

  /**
   * Chains of U-shaped splits, which only a per-layer build opens (so this object always owns
   * them).
   */
  private final Map<List<Integer>, SegmentChain> ranges = new ConcurrentHashMap<>();

  private EdgeChains(
      CompiledModel model, RuntimeOptions runtime, SegmentChain fixed, SegmentChain fixedCloud) {
    this.model = model;
    this.runtime = runtime;
    this.owns = fixed == null;
    if (fixed != null) {
      chains.put(fixed.endLayer(), fixed);
    }
    if (fixedCloud != null) {
      cloudChains.put(fixedCloud.firstLayer(), fixedCloud);
    }
  }

  /**
   * Only {@code chain}'s cut, without a local fallback; the caller keeps owning and closes the
   * chain.
   */
  public static EdgeChains fixed(SegmentChain chain) {
    return fixed(chain, null);
  }

  /**
   * Only {@code chain}'s cut; the caller keeps owning and closes both chains.
   *
   * @param cloud the same cut's cloud layers opened on the board for the local fallback, or null
   */
  public static EdgeChains fixed(SegmentChain chain, SegmentChain cloud) {
    if (!chain.takesTokens() || chain.firstLayer() != 0) {
      throw new IllegalArgumentException("an edge chain starts with the embedding");
    }
    if (cloud != null
        && (cloud.takesTokens()
            || !cloud.emitsLogits()
            || cloud.firstLayer() != chain.endLayer())) {
      throw new IllegalArgumentException(
          "the local fallback chain must run layers [" + chain.endLayer() + ", N) and the LM head");
    }
    return new EdgeChains(null, null, chain, cloud);
  }

  /**
   * Every cut the per-layer {@code model} has segments for; chains are opened here and closed by
   * close().
   */
  public static EdgeChains perLayer(CompiledModel model, RuntimeOptions runtime) {
    return new EdgeChains(model, runtime, null, null);
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
      throw new IllegalArgumentException(
          "edge runs a single-cut build for cut "
              + chains.keySet()
              + "; cut "
              + cut
              + " needs a per-layer build");
    }
    return chains.computeIfAbsent(cut, k -> model.openEdge(k, runtime));
  }

  /**
   * The cloud's layers [cut, N), norm and LM head, run on the board when no cloud worker is
   * reachable; opened now if needed.
   *
   * @throws IllegalArgumentException when a fixed build was given no such chain for {@code cut}
   */
  public SegmentChain cloudChain(int cut) {
    SegmentChain c = cloudChains.get(cut);
    if (c != null) {
      return c;
    }
    if (model == null) {
      throw new IllegalArgumentException(
          "cloud.fallback=local needs the cloud layers of cut " + cut + " opened on the board");
    }
    return cloudChains.computeIfAbsent(cut, k -> model.openCloud(k, runtime));
  }

  /**
   * The board's tail of a U-shaped split: layers [returnCut, N) in the edge weight format, norm and
   * LM head; opened now if needed (a per-layer build only).
   */
  public SegmentChain tailChain(int returnCut) {
    return ranges.computeIfAbsent(
        List.of(returnCut, -1),
        r ->
            perLayer("a U-shaped split")
                .openLayers(
                    returnCut,
                    model.config().nLayers(),
                    false,
                    true,
                    model.manifest().edgeWeights(),
                    runtime));
  }

  /**
   * Layers [cut, returnCut) without the head, run on the board as a U-shaped split's local
   * fallback.
   */
  public SegmentChain middleChain(int cut, int returnCut) {
    return ranges.computeIfAbsent(
        List.of(cut, returnCut),
        r ->
            perLayer("a U-shaped local fallback")
                .openLayers(
                    cut, returnCut, false, false, model.manifest().cloudWeights(), runtime));
  }

  private CompiledModel perLayer(String what) {
    if (model == null) {
      throw new IllegalArgumentException(what + " needs a per-layer build");
    }
    return model;
  }

  /**
   * Closes the chains this object opened (never fixed chains, which their caller owns). Idempotent.
   */
  @Override
  public void close() {
    if (owns) {
      chains.values().forEach(SegmentChain::close);
      cloudChains.values().forEach(SegmentChain::close);
    }
    chains.clear();
    cloudChains.clear();
    ranges.values().forEach(SegmentChain::close);
    ranges.clear();
  }
}
