package dev.edgesplit.server.energy;

import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergySource;
import dev.edgesplit.engine.energy.TokenEnergy;
import dev.edgesplit.engine.energy.TokenEnergyAccountant;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link StepEnergy} over a real meter: a {@link TokenEnergyAccountant} splits the joules of every
 * interval among the steps running in it by weight (positions), so overlapping sessions (or
 * generations) share the host's energy fairly instead of each being charged all of it. The caller
 * owns and closes the meter.
 */
public final class MeteredStepEnergy implements StepEnergy {

  private final EnergyMeter meter;
  private final TokenEnergyAccountant accountant;

  public MeteredStepEnergy(EnergyMeter meter) {
    this.meter = Objects.requireNonNull(meter, "meter");
    this.accountant = new TokenEnergyAccountant(meter);
  }

  @Override
  public Span begin(String sessionId, int step, double weight) {
    accountant.begin(sessionId, step, weight);
    return new Span() {
      private boolean done;

      @Override
      public EnergyReading end() {
        if (done) {
          throw new IllegalStateException("step " + step + " of " + sessionId + " already ended");
        }
        done = true;
        TokenEnergy e = accountant.end(sessionId, step);
        EnergySource s = e.source();
        return new EnergyReading(e.joules(), s.kind(), s.measured(), s.description());
      }

      @Override
      public void abandon() {
        if (!done) {
          done = true;
          accountant.abandon(sessionId);
        }
      }
    };
  }

  @Override
  public Optional<EnergyMeter> meter() {
    return Optional.of(meter);
  }

  /** Joules counted while no step ran (idle), plus those of abandoned steps. */
  public double unattributedJoules() {
    return accountant.unattributedJoules();
  }
}
