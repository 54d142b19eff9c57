package dev.edgesplit.partitioner.privacy;

/**
 * Share of held-out tokens each attack recovered at one cut.
 *
 * @param cut layers on the edge before the link
 * @param sent what crosses the link at this cut, in words
 * @param recovery share recovered, in [0, 1], one per attack in the report's order
 */
public record CutRecovery(int cut, String sent, double[] recovery) {

  public CutRecovery {
    recovery = recovery.clone();
    for (double r : recovery) {
      if (!(r >= 0 && r <= 1)) {
        throw new IllegalArgumentException("recovery must be in [0, 1], got " + r);
      }
    }
  }

  @Override
  public double[] recovery() {
    return recovery.clone();
  }

  /** The best attack's share: what an operator running all of them gets. */
  public double best() {
    double best = 0;
    for (double r : recovery) {
      best = Math.max(best, r);
    }
    return best;
  }
}
