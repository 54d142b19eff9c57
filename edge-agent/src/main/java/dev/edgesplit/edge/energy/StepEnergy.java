package dev.edgesplit.edge.energy;

import dev.edgesplit.engine.energy.EnergyMeter;
import java.util.Optional;

/**
 * Attributes this side's energy to the steps of generations. {@link MeteredStepEnergy} splits a real meter's
 * joules (dev.edgesplit.engine.energy) among the running steps; {@link #none()} reports 0 J with source "none".
 * Implementations are thread-safe; a span is used by one thread.
 */
public interface StepEnergy {

  /** Starts measuring step {@code step} of {@code sessionId}; a session has at most one step running. */
  Span begin(String sessionId, int step);

  /** The meter behind the joules, when there is one (for the power gauge). */
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
    Span span = new Span() {
      @Override
      public EnergyReading end() {
        return zero;
      }

      @Override
      public void abandon() {}
    };
    return new StepEnergy() {
      @Override
      public Span begin(String sessionId, int step) {
        return span;
      }

      @Override
      public Optional<EnergyMeter> meter() {
        return Optional.empty();
      }
    };
  }
}
