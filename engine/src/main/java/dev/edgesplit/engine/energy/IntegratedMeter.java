package dev.edgesplit.engine.energy;

/**
 * A meter whose energy is its power sensor's readings integrated over time: reading, the source and
 * closing are the integrator's. Subclasses find and describe the sensor. Thread-safe as {@link
 * PowerIntegrator} is.
 */
abstract class IntegratedMeter implements EnergyMeter {

  private final PowerIntegrator integrator;

  IntegratedMeter(PowerIntegrator integrator) {
    this.integrator = integrator;
  }

  @Override
  public final EnergyReading read() {
    return integrator.read();
  }

  @Override
  public final EnergySource source() {
    return integrator.source();
  }

  /** Stops the integrator's sampling; idempotent. */
  @Override
  public final void close() {
    integrator.close();
  }
}
