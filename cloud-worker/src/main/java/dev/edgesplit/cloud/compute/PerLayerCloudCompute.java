package dev.edgesplit.cloud.compute;

import dev.edgesplit.cloud.error.IncompatiblePlanException;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.profile.LayerTimings;
import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.engine.profile.SegmentProfiler;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link CloudCompute} over a per-layer compiled model: serves any cut an edge names in its
 * handshake, opening the cloud chain of each cut (layers [cut, N) + head) on first use and keeping
 * it, so edges that re-plan never wait for a restart and sessions at several cuts run side by side.
 * Chains no session uses are closed once more than {@link #MAX_IDLE_CHAINS} are open. Owns its
 * chains: {@link #close()} them after the worker. Thread-safe.
 */
public final class PerLayerCloudCompute implements CloudCompute, AutoCloseable {

  private final CompiledModel model;
  private final RuntimeOptions runtime;
  private final CloudModelInfo info;

  /**
   * Chains kept open beyond those in use; an unused chain past this many is closed (each holds the
   * head).
   */
  static final int MAX_IDLE_CHAINS = 4;

  private final Map<Integer, SegmentChain> chains = new HashMap<>();
  private final Map<Integer, Integer> users = new HashMap<>();

  /**
   * U-shaped sessions' chains (layers [cut, returnCut), no head), by {@code List.of(cut,
   * returnCut)}.
   */
  private final Map<List<Integer>, SegmentChain> middles = new HashMap<>();

  /**
   * @param defaultCut the cut of sessions whose first frame names none (and the one opened now)
   * @throws IllegalArgumentException when the model cannot serve {@code defaultCut}
   */
  public PerLayerCloudCompute(CompiledModel model, RuntimeOptions runtime, int defaultCut) {
    this.model = model;
    this.runtime = runtime;
    SegmentChain first = chain(defaultCut);
    this.info =
        new CloudModelInfo(
            model.fingerprint(),
            defaultCut,
            model.config().nLayers(),
            model.config().dim(),
            model.config().vocabSize(),
            first.maxContext());
  }

  @Override
  public CloudModelInfo info() {
    return info;
  }

  @Override
  public boolean servesCut(int cut) {
    synchronized (this) {
      if (chains.containsKey(cut)) {
        return true;
      }
    }
    return model.servesCut(cut);
  }

  @Override
  public ComputeState newState() {
    return newState(info.cut());
  }

  @Override
  public ComputeState newState(int cut) {
    if (!servesCut(cut)) {
      throw new IncompatiblePlanException(
          "compiled model " + model.directory() + " has no segments for cut " + cut);
    }
    SegmentChain chain;
    synchronized (this) {
      chain = chain(cut);
      users.merge(cut, 1, Integer::sum);
      // Only now that this cut has a user may others be evicted (never the one just opened).
      evictIdle();
    }
    try {
      return new ChainComputeState(chain.newState(), cut, this, () -> release(cut));
    } catch (RuntimeException e) {
      release(cut);
      throw e;
    }
  }

  @Override
  public boolean rewindsSessions() {
    return true;
  }

  @Override
  public boolean servesRange(int cut, int returnCut) {
    int n = info.nLayers();
    return returnCut == n
        ? servesCut(cut)
        : cut >= 0
            && cut < returnCut
            && returnCut < n
            && model.servesLayers(cut, returnCut, false, false, model.manifest().cloudWeights());
  }

  @Override
  public ComputeState newState(int cut, int returnCut) {
    if (returnCut == info.nLayers()) {
      return newState(cut);
    }
    if (!servesRange(cut, returnCut)) {
      throw new IncompatiblePlanException(
          "compiled model "
              + model.directory()
              + " has no segments for layers ["
              + cut
              + ", "
              + returnCut
              + ")");
    }
    SegmentChain chain;
    synchronized (this) {
      chain =
          middles.computeIfAbsent(
              List.of(cut, returnCut),
              r ->
                  model.openLayers(
                      cut, returnCut, false, false, model.manifest().cloudWeights(), runtime));
    }
    return new ChainComputeState(chain.newState(), cut, returnCut, this, () -> {});
  }

  private synchronized void release(int cut) {
    users.merge(cut, -1, Integer::sum);
    evictIdle();
  }

  /**
   * Closes unused chains (never the default cut's) while more than {@link #MAX_IDLE_CHAINS} are
   * open.
   */
  private void evictIdle() {
    for (Integer cut : List.copyOf(chains.keySet())) {
      if (chains.size() <= MAX_IDLE_CHAINS) {
        return;
      }
      if (cut != info.cut() && users.getOrDefault(cut, 0) == 0) {
        chains.remove(cut).close();
        users.remove(cut);
      }
    }
  }

  @Override
  public float[] forward(ComputeState state, float[] hidden, int seqLen) {
    ChainComputeState s = ChainComputeState.of(state, this);
    SegmentChain chain;
    synchronized (this) {
      chain =
          s.returnCut < info.nLayers()
              ? middles.get(List.of(s.cut, s.returnCut))
              : chains.get(s.cut);
    }
    // A chain with a live state is never evicted; it is gone only when the worker has closed its
    // compute.
    if (chain == null) {
      throw new dev.edgesplit.cloud.error.DrainingException(
          "cloud worker is shutting down: cut " + s.cut + " is closed");
    }
    return chain.forwardHidden(s.state, hidden, seqLen);
  }

  @Override
  public LayerTimings profile(ProfileSettings settings, EnergyMeter meter) {
    return new SegmentProfiler(model, runtime, meter, settings)
        .profile(model.manifest().cloudWeights(), false, true);
  }

  private synchronized SegmentChain chain(int cut) {
    SegmentChain c = chains.get(cut);
    if (c == null) {
      c = model.openCloud(cut, runtime);
      chains.put(cut, c);
    }
    return c;
  }

  @Override
  public synchronized void close() {
    chains.values().forEach(SegmentChain::close);
    chains.clear();
    middles.values().forEach(SegmentChain::close);
    middles.clear();
  }
}
