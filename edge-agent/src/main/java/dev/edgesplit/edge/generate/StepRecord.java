package dev.edgesplit.edge.generate;

import dev.edgesplit.proto.v1.EnergySource;
import dev.edgesplit.server.energy.EnergyReading;
import java.util.Objects;

/**
 * What one step of a generation cost: the edge segment run, the exchange with the cloud and the
 * energy of both sides. A step is the prefill (which yields the first token) or one decode token.
 *
 * @param sessionId the generation's session id
 * @param cut layers [0, cut) ran on the edge
 * @param prefill true for the prompt step
 * @param tokenIndex index of the token this step yielded among the generated tokens
 * @param tokenId the token the cloud sampled
 * @param positions positions the edge ran (prompt length for prefill, 1 for decode)
 * @param edgeMillis edge segment time
 * @param roundTripMillis send to reply, summed over the step's frames (link + cloud compute)
 * @param cloudComputeMillis the cloud's own compute time, as it reported
 * @param bytesSent hidden-state payload bytes sent in this step
 * @param edge edge energy of the step (edge compute plus waiting for the cloud)
 * @param cloudJoules cloud energy the worker reported for the step
 * @param cloudSource where the cloud's joules come from
 */
public record StepRecord(
    String sessionId,
    int cut,
    boolean prefill,
    int tokenIndex,
    int tokenId,
    int positions,
    double edgeMillis,
    double roundTripMillis,
    double cloudComputeMillis,
    long bytesSent,
    EnergyReading edge,
    double cloudJoules,
    EnergySource cloudSource) {

  public StepRecord {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(edge, "edge");
    Objects.requireNonNull(cloudSource, "cloudSource");
  }

  /** Link time of the step: round trip minus the cloud's compute, never negative. */
  public double linkMillis() {
    return Math.max(0, roundTripMillis - cloudComputeMillis);
  }

  /** Edge time plus round trip. */
  public double latencyMillis() {
    return edgeMillis + roundTripMillis;
  }
}
