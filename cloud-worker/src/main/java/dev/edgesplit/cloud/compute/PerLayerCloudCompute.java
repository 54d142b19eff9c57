package dev.edgesplit.cloud.compute;

import dev.edgesplit.cloud.error.IncompatiblePlanException;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.profile.LayerTimings;
import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.engine.profile.SegmentProfiler;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link CloudCompute} over a per-layer compiled model: serves any cut an edge names in its handshake, opening the
 * cloud chain of each cut (layers [cut, N) + head) on first use and keeping it, so edges that re-plan never wait
 * for a restart and sessions at several cuts run side by side. Owns its chains: {@link #close()} them after the
 * worker. Thread-safe.
 */
public final class PerLayerCloudCompute implements CloudCompute, AutoCloseable {

  private final CompiledModel model;
  private final RuntimeOptions runtime;
  private final CloudModelInfo info;
  private final Map<Integer, SegmentChain> chains = new ConcurrentHashMap<>();

  /**
   * @param defaultCut the cut of sessions whose first frame names none (and the one opened now)
   * @throws IllegalArgumentException when the model cannot serve {@code defaultCut}
   */
  public PerLayerCloudCompute(CompiledModel model, RuntimeOptions runtime, int defaultCut) {
    this.model = model;
    this.runtime = runtime;
    SegmentChain first = chain(defaultCut);
    this.info = new CloudModelInfo(model.fingerprint(), defaultCut, model.config().nLayers(), model.config().dim(),
        model.config().vocabSize(), first.maxContext());
  }

  @Override
  public CloudModelInfo info() {
    return info;
  }

  @Override
  public boolean servesCut(int cut) {
    return chains.containsKey(cut) || model.servesCut(cut);
  }

  @Override
  public ComputeState newState() {
    return newState(info.cut());
  }

  @Override
  public ComputeState newState(int cut) {
    if (!servesCut(cut)) {
      throw new IncompatiblePlanException("compiled model " + model.directory() + " has no segments for cut " + cut);
    }
    return new State(chain(cut).newState(), cut);
  }

  @Override
  public float[] forward(ComputeState state, float[] hidden, int seqLen) {
    if (!(state instanceof State)) {
      throw new IllegalArgumentException("state was not created by this compute");
    }
    State s = (State) state;
    return chain(s.cut).forwardHidden(s.state, hidden, seqLen);
  }

  @Override
  public LayerTimings profile(ProfileSettings settings, EnergyMeter meter) {
    return new SegmentProfiler(model, runtime, meter, settings).profile(model.manifest().cloudWeights(), false, true);
  }

  private SegmentChain chain(int cut) {
    return chains.computeIfAbsent(cut, k -> model.openCloud(k, runtime));
  }

  @Override
  public void close() {
    chains.values().forEach(SegmentChain::close);
    chains.clear();
  }

  private static final class State implements ComputeState {
    private final ChainState state;
    private final int cut;

    State(ChainState state, int cut) {
      this.state = state;
      this.cut = cut;
    }

    @Override
    public int position() {
      return state.position();
    }

    @Override
    public long kvBytes() {
      return state.kvBytes();
    }

    @Override
    public void close() {
      state.close();
    }
  }
}
