package dev.edgesplit.engine.energy;

/**
 * A meter that cannot produce a reading: a sensor file vanished, a command failed, a value is
 * garbage.
 */
public class EnergyMeterException extends dev.edgesplit.engine.EngineException {

  private static final long serialVersionUID = 1L;

  public EnergyMeterException(String message) {
    super(message);
  }

  public EnergyMeterException(String message, Throwable cause) {
    super(message, cause);
  }
}
