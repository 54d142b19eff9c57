package dev.edgesplit.engine.sampling;

/**
 * The speculative-sampling acceptance rule (Leviathan et al. 2023; Chen et al. 2023): a draft token
 * x drafted with probability q(x) is kept with probability min(1, p(x) / q(x)), where p is the
 * distribution the target's sampler draws from; when it is not, the token is drawn from max(0, p -
 * q) normalised. The tokens that come out are distributed exactly as the target's own samples. At
 * temperature 0 p is one-hot on the argmax, so a draft is kept exactly when it is the argmax and
 * greedy output does not change. Uses the sampler's random stream, so a seed makes it reproducible.
 */
public final class SpeculativeAcceptance {

  private SpeculativeAcceptance() {}

  /**
   * @param logits the target's logits at the draft's position {@code [vocab]}
   * @param draft the drafted token
   * @param q how the draft chose it; null when it was chosen deterministically (q(draft) = 1)
   * @return {@code draft} when accepted, else the token drawn in its place (never {@code draft})
   */
  public static int judge(Sampler sampler, float[] logits, int draft, DraftDistribution q) {
    if (sampler.params().greedy()) {
      return sampler.sample(logits);
    }
    double[] p = sampler.probabilities(logits);
    double qDraft = q == null ? 1.0 : q.probability(draft);
    if (qDraft <= 0) {
      throw new IllegalArgumentException(
          "draft token " + draft + " is outside its own draft distribution");
    }
    if (sampler.uniform() < Math.min(1.0, p[draft] / qDraft)) {
      return draft;
    }
    double[] residual = p.clone();
    if (q == null) {
      residual[draft] = 0;
    } else {
      for (int i = 0; i < q.tokens().length; i++) {
        int t = q.tokens()[i];
        residual[t] = Math.max(0, p[t] - q.probs()[i]);
      }
    }
    // Rejection needs p(draft) < q(draft), so p - q has positive mass left wherever p exceeds q.
    residual[draft] = 0;
    double mass = 0;
    for (double r : residual) {
      mass += r;
    }
    // Only float32 rounding of q can leave nothing: then p itself, without the draft, is the
    // closest rule.
    if (mass <= 0) {
      residual = p;
      residual[draft] = 0;
    }
    return sampler.draw(residual);
  }
}
