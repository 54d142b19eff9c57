package dev.edgesplit.engine.profile;

import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergyReading;
import dev.edgesplit.engine.energy.EnergySource;
import dev.edgesplit.engine.energy.EstimatedMeter;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Times each layer of a per-layer compiled model on this machine, one decode token at a time, and
 * reads the energy meter around each layer's timed steps: the measured input of the cut planner
 * (DESIGN.md section 2).
 *
 * <p>Each layer runs as its own one-layer chain, exactly as a per-layer build serves it, over a KV
 * cache already holding {@link ProfileSettings#contextPositions()} positions. The meter is shared
 * with nothing else while profiling, so run it on an idle device. Not thread-safe; the caller owns
 * the model and the meter.
 */
public final class SegmentProfiler {

  private final CompiledModel model;
  private final RuntimeOptions runtime;
  private final EnergyMeter meter;
  private final ProfileSettings settings;

  /** Times each layer is timed alone; the fastest counts. */
  private static final int ALONE_ROUNDS = 2;

  /**
   * One part's decode steps timed alone.
   *
   * @param part "embedding", "layer 7" or "final norm + LM head"
   * @param stepNanos each timed step, nanoseconds
   */
  public record PartSteps(String part, long[] stepNanos) {
    public PartSteps {
      stepNanos = stepNanos.clone();
    }

    @Override
    public long[] stepNanos() {
      return stepNanos.clone();
    }
  }

  /** A profiler that only times ({@link #stepsAlone}); its joules are 0. */
  public SegmentProfiler(CompiledModel model, RuntimeOptions runtime, ProfileSettings settings) {
    this(model, runtime, new NoMeter(), settings);
  }

  public SegmentProfiler(
      CompiledModel model, RuntimeOptions runtime, EnergyMeter meter, ProfileSettings settings) {
    this.model = Objects.requireNonNull(model, "model");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.meter = Objects.requireNonNull(meter, "meter");
    this.settings = Objects.requireNonNull(settings, "settings");
    if (settings.contextPositions() + settings.warmupTokens() + settings.decodeTokens()
        > model.manifest().maxContext()) {
      throw new IllegalArgumentException(
          "profile needs "
              + (settings.contextPositions() + settings.warmupTokens() + settings.decodeTokens())
              + " positions, the model is compiled for "
              + model.manifest().maxContext());
    }
  }

  /**
   * Profiles every layer in {@code format}, plus the embedding and/or the head when asked.
   *
   * @throws IllegalArgumentException when the model was compiled for one cut rather than per layer
   */
  public LayerTimings profile(WeightFormat format, boolean embedding, boolean head) {
    int n = model.config().nLayers();
    int dim = model.config().dim();
    List<Double> millis = new ArrayList<>();
    List<Double> joules = new ArrayList<>();
    double totalSeconds = 0;
    double totalJoules = 0;
    // Two rounds, the faster of each layer's two: the first layers timed by a freshly started
    // process ran up to
    // twice as slow as the same layers later (caches, clocks and memory still settling).
    List<Cost> alone = new ArrayList<>(Collections.nCopies(n, (Cost) null));
    for (int round = 0; round < ALONE_ROUNDS; round++) {
      for (int layer = 0; layer < n; layer++) {
        Cost c = timeHidden(model.openLayers(layer, layer + 1, false, false, format, runtime), dim);
        if (alone.get(layer) == null || c.millis < alone.get(layer).millis) {
          alone.set(layer, c);
        }
      }
    }
    for (int layer = 0; layer < n; layer++) {
      millis.add(alone.get(layer).millis);
      joules.add(alone.get(layer).joules);
    }
    // Alone, a layer's weights stay in the caches; in a token they stream from memory with all the
    // others.
    // Time the whole stack once and scale every layer by how much slower it runs there.
    Cost stack = null;
    if (n > 1) {
      stack = timeHidden(model.openLayers(0, n, false, false, format, runtime), dim);
      double aloneMillis = millis.stream().mapToDouble(Double::doubleValue).sum();
      double scale = aloneMillis > 0 ? stack.millis / aloneMillis : 1;
      double joulesAlone = joules.stream().mapToDouble(Double::doubleValue).sum();
      double joulesScale = joulesAlone > 0 ? stack.joules / joulesAlone : 1;
      millis.replaceAll(m -> m * scale);
      joules.replaceAll(j -> j * joulesScale);
    }
    for (int layer = 0; layer < n; layer++) {
      totalSeconds += millis.get(layer) * settings.decodeTokens() / 1000;
      totalJoules += joules.get(layer) * settings.decodeTokens();
    }
    double embedMillis = 0;
    double embedJoules = 0;
    if (embedding) {
      Cost c = timeTokens(model.openLayers(0, 0, true, false, format, runtime));
      embedMillis = c.millis;
      embedJoules = c.joules;
    }
    Double headMillis = null;
    Double headJoules = null;
    if (head) {
      Cost c = headCost(n, dim, format, stack);
      headMillis = c.millis;
      headJoules = c.joules;
      totalSeconds += c.millis * settings.decodeTokens() / 1000;
      totalJoules += c.joules * settings.decodeTokens();
    }
    double watts = totalSeconds > 0 ? totalJoules / totalSeconds : 0;
    return new LayerTimings(
        millis,
        joules,
        embedMillis,
        embedJoules,
        headMillis,
        headJoules,
        watts,
        idleWatts(),
        meter.source());
  }

  /**
   * The embedding, every layer and the head, each alone as {@link #profile} times them before it
   * scales the layers to the whole stack: every timed step, for a distribution (median, p90) rather
   * than the planner's mean.
   */
  public List<PartSteps> stepsAlone(WeightFormat format) {
    int n = model.config().nLayers();
    int dim = model.config().dim();
    List<PartSteps> parts = new ArrayList<>();
    parts.add(
        new PartSteps(
            "embedding", timeTokens(model.openLayers(0, 0, true, false, format, runtime)).nanos));
    for (int layer = 0; layer < n; layer++) {
      parts.add(
          new PartSteps(
              "layer " + layer,
              timeHidden(model.openLayers(layer, layer + 1, false, false, format, runtime), dim)
                  .nanos));
    }
    parts.add(
        new PartSteps(
            "final norm + LM head",
            timeHidden(model.openLayers(n, n, false, true, format, runtime), dim).nanos));
    return parts;
  }

  /**
   * The head as a token runs it: after the layers, with its weights (the largest matrix of a small
   * model) out of the caches. Alone it ran 30% faster than that (1.33 against 1.9 ms, int8
   * SmolLM2-135M head on a 2-core VM), so it is the stack with the head minus the stack, and never
   * below the head alone.
   */
  private Cost headCost(int n, int dim, WeightFormat format, Cost stack) {
    Cost alone = timeHidden(model.openLayers(n, n, false, true, format, runtime), dim);
    if (stack == null) {
      return alone;
    }
    Cost withHead = timeHidden(model.openLayers(0, n, false, true, format, runtime), dim);
    double millis = withHead.millis - stack.millis;
    double joules = withHead.joules - stack.joules;
    return millis > alone.millis ? new Cost(millis, Math.max(joules, alone.joules)) : alone;
  }

  /**
   * Power with nothing running: the estimate's idle figure when the meter is an estimate (its
   * formula gives exactly that at zero utilisation), else a half-second measurement while this
   * thread sleeps.
   */
  public double idleWatts() {
    if (meter instanceof EstimatedMeter) {
      return ((EstimatedMeter) meter).profile().idleWatts();
    }
    EnergyReading before = meter.read();
    long t0 = System.nanoTime();
    try {
      Thread.sleep(Duration.ofMillis(500).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    EnergyReading after = meter.read();
    double seconds = (System.nanoTime() - t0) / 1e9;
    return Math.max(0, after.joulesSince(before)) / seconds;
  }

  private Cost timeHidden(SegmentChain chain, int dim) {
    try (chain;
        ChainState state = chain.newState()) {
      Random random = new Random(42);
      chain.forwardHidden(
          state, gaussian(random, settings.contextPositions() * dim), settings.contextPositions());
      float[] one = gaussian(random, dim);
      for (int i = 0; i < settings.warmupTokens(); i++) {
        chain.forwardHidden(state, one, 1);
      }
      long[] nanos = new long[settings.decodeTokens()];
      EnergyReading before = meter.read();
      long t0 = System.nanoTime();
      for (int i = 0; i < nanos.length; i++) {
        long t = System.nanoTime();
        chain.forwardHidden(state, one, 1);
        nanos[i] = System.nanoTime() - t;
      }
      return cost(t0, before, nanos);
    }
  }

  private Cost timeTokens(SegmentChain chain) {
    try (chain;
        ChainState state = chain.newState()) {
      int[] prompt = new int[settings.contextPositions()];
      chain.forwardTokens(state, prompt);
      for (int i = 0; i < settings.warmupTokens(); i++) {
        chain.forwardTokens(state, new int[] {1});
      }
      long[] nanos = new long[settings.decodeTokens()];
      EnergyReading before = meter.read();
      long t0 = System.nanoTime();
      for (int i = 0; i < nanos.length; i++) {
        long t = System.nanoTime();
        chain.forwardTokens(state, new int[] {1 + i % Math.max(1, model.config().vocabSize() - 1)});
        nanos[i] = System.nanoTime() - t;
      }
      return cost(t0, before, nanos);
    }
  }

  private Cost cost(long t0, EnergyReading before, long[] nanos) {
    long elapsed = System.nanoTime() - t0;
    EnergyReading after = meter.read();
    int steps = settings.decodeTokens();
    return new Cost(elapsed / 1e6 / steps, Math.max(0, after.joulesSince(before)) / steps, nanos);
  }

  private static float[] gaussian(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static final class Cost {
    final double millis;
    final double joules;
    final long[] nanos; // each timed step; empty for a derived cost

    Cost(double millis, double joules) {
      this(millis, joules, new long[0]);
    }

    Cost(double millis, double joules, long[] nanos) {
      this.millis = millis;
      this.joules = joules;
      this.nanos = nanos;
    }
  }

  /** No energy source: for timing only. */
  private static final class NoMeter implements EnergyMeter {
    private static final EnergySource SOURCE =
        new EnergySource("none", "timing only: no energy read", false);

    @Override
    public EnergyReading read() {
      return new EnergyReading(0, Instant.now(), SOURCE);
    }

    @Override
    public EnergySource source() {
      return SOURCE;
    }

    @Override
    public void close() {}
  }
}
