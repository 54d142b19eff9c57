package dev.edgesplit.server.energy;

import dev.edgesplit.engine.energy.EnergyMeter;
import java.util.Optional;

/**
 * Attributes this process's energy to model steps. {@link MeteredStepEnergy} splits a real meter's
 * joules (dev.edgesplit.engine.energy) among the steps running at the same time, by weight; {@link
 * #none()} reports 0 J with source "none". Implementations are thread-safe; a span is used by one
 * thread.
 */
public interface StepEnergy {

  /**
   * Starts measuring one step of {@code sessionId}.
   *
   * @param step the session's position before the step (unique per step of a session)
   * @param weight the step's share of compute while it overlaps others: its number of positions
   */
  Span begin(String sessionId, int step, double weight);

  /**
   * Starts measuring one step of weight 1, for a session that never overlaps itself (an edge
   * generation).
   *
   * @param step the session's step index (unique per step of a session)
   */
  default Span begin(String sessionId, int step) {
    return begin(sessionId, step, 1.0);
  }

  /** The meter behind the joules, when there is one (power gauge, profiling). */
  Optional<EnergyMeter> meter();

  /** One step being measured. */
  interface Span {
    /** Ends the step and returns the energy attributed to it. */
    EnergyReading end();

    /** Gives up the step (failed or cancelled); its joules stay unattributed. Idempotent. */
    void abandon();
  }

  /** No meter: every step costs 0 J, labelled as not measured. */
  static StepEnergy none() {
    EnergyReading zero = new EnergyReading(0, "none", false, "no energy meter configured");
    Span span =
        new Span() {
          @Override
          public EnergyReading end() {
            return zero;
          }

          @Override
          public void abandon() {}
        };
    return new StepEnergy() {
      @Override
      public Span begin(String sessionId, int step, double weight) {
        return span;
      }

      @Override
      public Optional<EnergyMeter> meter() {
        return Optional.empty();
      }
    };
  }
}
