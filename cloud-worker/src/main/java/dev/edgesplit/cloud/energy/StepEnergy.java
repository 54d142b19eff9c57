package dev.edgesplit.cloud.energy;

/**
 * Attributes energy to model steps. Meters (RAPL, hwmon, estimate) come from dev.edgesplit.engine.energy
 * and are adapted to this interface; until then {@link #none()} reports 0 J with source "none".
 * Implementations are thread-safe; a span is used by one thread.
 */
public interface StepEnergy {

  /** Starts measuring one step. */
  Span begin();

  /** One step being measured. */
  interface Span {
    /** Ends the step and returns the energy attributed to it. */
    EnergyReading end();
  }

  /** No meter: every step costs 0 J, labelled as not measured. */
  static StepEnergy none() {
    EnergyReading zero = new EnergyReading(0, "none", false, "no energy meter configured");
    Span span = () -> zero;
    return () -> span;
  }
}
