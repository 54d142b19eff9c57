package dev.edgesplit.engine.energy;

import java.io.IOException;

/** An instantaneous power reading, in watts, that a {@link PowerIntegrator} turns into energy. */
@FunctionalInterface
interface PowerSensor {

  /** Current power draw in watts; finite and non-negative. */
  double watts() throws IOException;
}
