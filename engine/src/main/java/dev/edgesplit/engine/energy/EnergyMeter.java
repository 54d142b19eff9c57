package dev.edgesplit.engine.energy;

/**
 * A source of cumulative energy for this side of the split (the board, or the cloud host).
 *
 * <p>Implementations are thread-safe: {@link #read()} may be called from several threads. Whoever
 * opens a meter closes it; {@link #close()} is idempotent and stops any sampler thread. Reading a
 * closed meter throws {@link IllegalStateException}.
 */
public interface EnergyMeter extends AutoCloseable {

  /**
   * Reads the energy counted since the meter was opened.
   *
   * @throws EnergyMeterException when the underlying sensor can no longer be read
   */
  EnergyReading read();

  /** What this meter reads; constant for the meter's life. */
  EnergySource source();

  @Override
  void close();
}
