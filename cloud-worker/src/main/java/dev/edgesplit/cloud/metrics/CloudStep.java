package dev.edgesplit.cloud.metrics;

import dev.edgesplit.server.energy.EnergyReading;
import java.util.Objects;

/**
 * One step the worker ran for one session.
 *
 * @param sessionId the edge's session id
 * @param cut the session's cut (the worker ran [cut, N) + head)
 * @param startPosition first position of the step
 * @param positions positions in the frame
 * @param sampled true when the step sampled a token
 * @param tokenId the sampled token, -1 when none
 * @param computeMillis wall time of the step on the worker
 * @param energy the worker's joules attributed to the step, with their source
 */
public record CloudStep(
    String sessionId,
    int cut,
    int startPosition,
    int positions,
    boolean sampled,
    int tokenId,
    double computeMillis,
    EnergyReading energy) {

  public CloudStep {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(energy, "energy");
  }
}
