package dev.edgesplit.edge.energy;

import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergySource;
import dev.edgesplit.engine.energy.TokenEnergy;
import dev.edgesplit.engine.energy.TokenEnergyAccountant;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link StepEnergy} over a real meter: a {@link TokenEnergyAccountant} splits the joules counted while steps of
 * several generations overlap among them, so concurrent generations are not each charged the whole board. The
 * caller owns and closes the meter.
 */
public final class MeteredStepEnergy implements StepEnergy {

  private final EnergyMeter meter;
  private final TokenEnergyAccountant accountant;

  public MeteredStepEnergy(EnergyMeter meter) {
    this.meter = Objects.requireNonNull(meter, "meter");
    this.accountant = new TokenEnergyAccountant(meter);
  }

  @Override
  public Span begin(String sessionId, int step) {
    accountant.begin(sessionId, step);
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

  /** Joules counted while no step ran (idle between generations), plus those of abandoned steps. */
  public double unattributedJoules() {
    return accountant.unattributedJoules();
  }
}
