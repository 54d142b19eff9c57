package dev.edgesplit.planner;

import java.util.List;

/**
 * Predicted per-token costs of one cut.
 *
 * @param cut edge runs layers [0, cut); the cloud runs [cut, N) and the head, or [cut, returnCut)
 * @param edgeOnly true for the row where the edge also runs the head and nothing crosses the link
 * @param edgeMillis embedding + edge layers (+ edge head when edge-only)
 * @param linkMillis RTT / tokens per round trip + bytes / bandwidth; 0 when edge-only
 * @param cloudMillis cloud layers + cloud head; 0 when edge-only
 * @param latencyMillis edgeMillis + linkMillis + cloudMillis
 * @param edgeJoulesPerToken edge compute + radio + idle power while waiting for the cloud
 * @param cloudJoulesPerToken cloud power x cloud time
 * @param bytesPerToken payload bytes sent per decode token
 * @param bytesReceivedPerToken payload bytes received per decode token: h_m in the U shape, 0 in
 *     the plain split (a token id is a few bytes, left out)
 * @param returnCut the U shape's m: the cloud runs only [cut, m) and the edge also [m, N), the head
 *     and sampling; null in the plain split and the edge-only row
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
    long bytesReceivedPerToken,
    Integer returnCut,
    long edgeMemoryBytes,
    List<String> rejections) {

  public CutRow {
    if (cut < 0) {
      throw new IllegalArgumentException("cut must be >= 0, got " + cut);
    }
    if (returnCut != null && (returnCut <= cut || edgeOnly)) {
      throw new IllegalArgumentException(
          "return cut " + returnCut + " must be above cut " + cut + " of a split row");
    }
    rejections = List.copyOf(rejections);
  }

  /** True for a row of the U-shaped split. */
  public boolean uShaped() {
    return returnCut != null;
  }

  /** True when the row meets every constraint. */
  public boolean feasible() {
    return rejections.isEmpty();
  }

  /** "3", "3 U[3,20)", or "5 edge-only". */
  public String label() {
    if (edgeOnly) {
      return cut + " edge-only";
    }
    return uShaped() ? cut + " U[" + cut + "," + returnCut + ")" : Integer.toString(cut);
  }
}
