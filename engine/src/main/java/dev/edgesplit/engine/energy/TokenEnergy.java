package dev.edgesplit.engine.energy;

import java.util.Objects;

/**
 * Energy one side spent on one decode (or prefill) step of one session.
 *
 * @param sessionId the generation session
 * @param tokenIndex position of the token the step produced or consumed, 0-based
 * @param joules this side's joules attributed to the step
 * @param source the meter the joules come from ({@code measured=false} for estimates)
 */
public record TokenEnergy(String sessionId, int tokenIndex, double joules, EnergySource source) {

  public TokenEnergy {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(source, "source");
    if (tokenIndex < 0) {
      throw new IllegalArgumentException("tokenIndex must be >= 0, got " + tokenIndex);
    }
    if (!Double.isFinite(joules) || joules < 0) {
      throw new IllegalArgumentException("joules must be finite and >= 0, got " + joules);
    }
  }
}
