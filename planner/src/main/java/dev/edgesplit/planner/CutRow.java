package dev.edgesplit.planner;

import java.util.List;

/**
 * Predicted per-token costs of one cut.
 *
 * @param cut edge runs layers [0, cut); the cloud runs [cut, N) and the head
 * @param edgeOnly true for the row where the edge also runs the head and nothing crosses the link
 * @param edgeMillis embedding + edge layers (+ edge head when edge-only)
 * @param linkMillis RTT / tokens per round trip + bytes / bandwidth; 0 when edge-only
 * @param cloudMillis cloud layers + cloud head; 0 when edge-only
 * @param latencyMillis edgeMillis + linkMillis + cloudMillis
 * @param edgeJoulesPerToken edge compute + radio + idle power while waiting for the cloud
 * @param cloudJoulesPerToken cloud power x cloud time
 * @param bytesPerToken payload bytes sent per decode token
 * @param edgeMemoryBytes edge weights + KV cache at the planned context
 * @param rejections why the row breaks a constraint; empty when feasible
 */
public record CutRow(
    int cut,
    boolean edgeOnly,
    double edgeMillis,
    double linkMillis,
    double cloudMillis,
    double latencyMillis,
    double edgeJoulesPerToken,
    double cloudJoulesPerToken,
    long bytesPerToken,
    long edgeMemoryBytes,
    List<String> rejections) {

  public CutRow {
    if (cut < 0) {
      throw new IllegalArgumentException("cut must be >= 0, got " + cut);
    }
    rejections = List.copyOf(rejections);
  }

  /** True when the row meets every constraint. */
  public boolean feasible() {
    return rejections.isEmpty();
  }

  /** "3", or "5 edge-only". */
  public String label() {
    return edgeOnly ? cut + " edge-only" : Integer.toString(cut);
  }
}
