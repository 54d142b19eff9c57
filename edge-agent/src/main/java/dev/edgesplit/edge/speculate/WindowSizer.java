package dev.edgesplit.edge.speculate;

/**
 * Chooses how many tokens to draft for the next round trip from what this generation has measured:
 * the acceptance rate a of its drafts, the link's share of a round trip L (round trip minus the
 * worker's compute), the cost of one window position c (edge layers + worker layers) and of
 * drafting one token g. With drafts accepted independently with probability a, a window of n drafts
 * yields E(n) = (1 - a^(n+1)) / (1 - a) tokens in T(n) = L + (n + 1) c + n g; the chosen n
 * maximises E(n) / T(n) in [1, cap]. The acceptance starts from the uniform prior (one accepted of
 * two) and the costs from nothing measured, when the cap is drafted to measure them. Not
 * thread-safe: one per generation.
 */
public final class WindowSizer {

  private long drafted;
  private long accepted;
  private double linkMs;
  private long roundTrips;
  private double positionMs;
  private long positions;
  private double draftMs;

  /** Records a round trip: its link time (round trip less the worker's compute), milliseconds. */
  public void observeRoundTrip(double linkMillis) {
    linkMs += Math.max(0, linkMillis);
    roundTrips++;
  }

  /**
   * Records a window: {@code n} drafts, {@code kept} of them accepted, the compute of its {@code n
   * + 1} positions on both sides and the drafting time, milliseconds.
   */
  public void observeWindow(int n, int kept, double computeMillis, double draftMillis) {
    drafted += n;
    accepted += kept;
    positionMs += Math.max(0, computeMillis);
    positions += n + 1;
    draftMs += Math.max(0, draftMillis);
  }

  /** Accepted drafts / drafted tokens so far (0 before any). */
  public double acceptanceRate() {
    return drafted == 0 ? 0 : (double) accepted / drafted;
  }

  public long drafted() {
    return drafted;
  }

  public long accepted() {
    return accepted;
  }

  /**
   * True when drafting the next window while this one's {@code n} drafts are verified is likely to
   * be used: only when all n are accepted and the token after them is guessed, estimated a^(n + 1)
   * with a from the same prior as {@link #next}; at least one in two.
   */
  public boolean draftAheadPays(int n) {
    double a = (accepted + 1.0) / (drafted + 2.0);
    return Math.pow(a, n + 1) >= 0.5;
  }

  /** Drafts for the next window, in [1, cap] ({@code cap} >= 1). */
  public int next(int cap) {
    if (roundTrips == 0 || positions == 0) {
      return cap;
    }
    double a = (accepted + 1.0) / (drafted + 2.0);
    double link = linkMs / roundTrips;
    double c = positionMs / positions;
    double g = draftMs / Math.max(1, drafted);
    int best = 1;
    double bestRate = -1;
    for (int n = 1; n <= cap; n++) {
      double expected = (1 - Math.pow(a, n + 1)) / (1 - a);
      double rate = expected / (link + (n + 1) * c + n * g + 1e-9);
      if (rate > bestRate) {
        bestRate = rate;
        best = n;
      }
    }
    return best;
  }
}
