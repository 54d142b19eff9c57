package dev.edgesplit.engine.energy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Attributes one side's metered energy to the steps (tokens) of the sessions it serves.
 *
 * <p>The meter is read at every step boundary, so between two consecutive readings the set of
 * running steps is constant. The joules of such an interval are split among the running steps by
 * weight: a step of weight w receives w / (sum of weights) of them, its share of the interval's
 * compute when compute is proportional to weight (1 for a decode step; the number of positions for
 * a prefill chunk of a batched cloud step). On the edge, with one step at a time, every step simply
 * gets the joules between its own begin and end. Energy of intervals with no step running (idle,
 * waiting for the cloud) is kept as {@link #unattributedJoules()} rather than lost, so attributed
 * plus unattributed always equals what the meter counted.
 *
 * <p>Thread-safe; the meter is read under the accountant's lock, so slow meters (an external
 * command) should use a sampler and stay cheap to read. The accountant does not own the meter.
 */
public final class TokenEnergyAccountant {

  private final EnergyMeter meter;
  private final Map<String, Step> running = new LinkedHashMap<>();
  private EnergyReading last;
  private double unattributed;

  /** Takes the first reading now. */
  public TokenEnergyAccountant(EnergyMeter meter) {
    this.meter = Objects.requireNonNull(meter, "meter");
    this.last = meter.read();
  }

  /** Starts a decode step of weight 1. */
  public void begin(String sessionId, int tokenIndex) {
    begin(sessionId, tokenIndex, 1.0);
  }

  /**
   * Starts a step.
   *
   * @param weight relative compute of the step while it runs (positive)
   * @throws IllegalStateException when the session already has a step running
   */
  public synchronized void begin(String sessionId, int tokenIndex, double weight) {
    Objects.requireNonNull(sessionId, "sessionId");
    if (!(weight > 0) || !Double.isFinite(weight)) {
      throw new IllegalArgumentException("step weight must be positive and finite, got " + weight);
    }
    if (running.containsKey(sessionId)) {
      throw new IllegalStateException(
          "session "
              + sessionId
              + " already has step "
              + running.get(sessionId).tokenIndex
              + " running");
    }
    settle();
    running.put(sessionId, new Step(tokenIndex, weight));
  }

  /**
   * Ends the session's running step and returns its energy.
   *
   * @throws IllegalStateException when that step is not running
   */
  public synchronized TokenEnergy end(String sessionId, int tokenIndex) {
    Step step = running.get(sessionId);
    if (step == null || step.tokenIndex != tokenIndex) {
      throw new IllegalStateException(
          "session "
              + sessionId
              + " has no running step "
              + tokenIndex
              + (step == null ? "" : " (running: " + step.tokenIndex + ")"));
    }
    settle();
    running.remove(sessionId);
    return new TokenEnergy(sessionId, tokenIndex, step.joules, last.source());
  }

  /**
   * Forgets a session's running step (cancelled generation); its joules so far become unattributed.
   */
  public synchronized void abandon(String sessionId) {
    if (running.containsKey(sessionId)) {
      settle();
      unattributed += running.remove(sessionId).joules;
    }
  }

  /** Joules counted while no step was running, plus those of abandoned steps. */
  public synchronized double unattributedJoules() {
    settle();
    return unattributed;
  }

  /** Splits the joules since the previous reading among the running steps by weight. */
  private void settle() {
    EnergyReading now = meter.read();
    double joules = Math.max(0, now.joulesSince(last));
    last = now;
    if (running.isEmpty()) {
      unattributed += joules;
      return;
    }
    double totalWeight = 0;
    for (Step s : running.values()) {
      totalWeight += s.weight;
    }
    for (Step s : running.values()) {
      s.joules += joules * s.weight / totalWeight;
    }
  }

  private static final class Step {
    private final int tokenIndex;
    private final double weight;
    private double joules;

    Step(int tokenIndex, double weight) {
      this.tokenIndex = tokenIndex;
      this.weight = weight;
    }
  }
}
