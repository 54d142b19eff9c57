package dev.edgesplit.engine.energy;

/**
 * A meter kind that is not available on this machine: its sysfs files are missing or unreadable, or
 * its command is absent. {@link EnergyMeters#probe} catches it and tries the next kind.
 */
public final class MeterUnavailableException extends EnergyMeterException {

  private static final long serialVersionUID = 1L;

  public MeterUnavailableException(String message) {
    super(message);
  }

  public MeterUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
