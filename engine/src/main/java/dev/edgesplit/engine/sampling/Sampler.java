package dev.edgesplit.engine.sampling;

/**
 * Chooses the next token from logits: greedy (argmax, lowest id on ties) at temperature 0,
 * otherwise a draw from the temperature softmax restricted by top-k, then top-p (nucleus, relative
 * to what top-k kept).
 *
 * <p>Counter-based, not a stream: the draw for the token at absolute position {@code position} is
 * an exponential race (the Gumbel-max trick) whose noise for each token id is a hash of (seed,
 * position, token id). So a token depends only on the seed, its position and the logits, never on
 * how many draws came before: a speculative window, a replay on another worker or a resumed session
 * draws what one token per step would. Two samplers with the same seed and position whose
 * distributions are close choose the same token with high probability (at least (1 - TV) / (1 +
 * TV), TV their total variation distance): that is how a draft model's guesses are coupled to the
 * target's draws. {@link #sample} allocates nothing: its work arrays are sized to the vocabulary
 * once. Not thread-safe: one sampler per generation stream.
 */
public final class Sampler {

  private final SamplingParams params;
  private final int vocabSize;
  private final double[] weights; // [vocab] exp((logit - max) / temperature), unnormalized
  private final int[] order; // [vocab] candidate ids, best first once sorted

  public Sampler(SamplingParams params, int vocabSize) {
    if (params == null) {
      throw new IllegalArgumentException("params must not be null");
    }
    if (vocabSize <= 0) {
      throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
    }
    this.params = params;
    this.vocabSize = vocabSize;
    this.weights = new double[vocabSize];
    this.order = new int[vocabSize];
  }

  public SamplingParams params() {
    return params;
  }

  /**
   * The token for absolute position {@code position} (the index it will have in the sequence,
   * prompt included) from {@code logits} (length = vocabulary size): a function of (seed, position,
   * logits) only.
   */
  public int sample(float[] logits, int position) {
    int best = checkAndArgmax(logits);
    if (params.greedy()) {
      return best;
    }
    if (position < 0) {
      throw new IllegalArgumentException("position must be >= 0, got " + position);
    }
    int candidates = candidates(logits, best);
    long key = DrawKeys.position(params.seed(), position);
    // Exponential race: token i wins with E_i / w_i smallest, E_i ~ Exp(1) from its hash; the
    // winner is distributed as w_i / sum(w). E_i >= u_i, so u_i >= best * w_i rules a token out
    // without a log.
    double bestScore = Double.POSITIVE_INFINITY;
    int winner = best;
    int n = candidates < 0 ? vocabSize : candidates;
    for (int i = 0; i < n; i++) {
      int id = candidates < 0 ? i : order[i];
      double w = weights[id];
      if (w <= 0) {
        continue;
      }
      double u = DrawKeys.uniform(key, id);
      if (u >= bestScore * w) {
        continue;
      }
      double score = -Math.log1p(-u) / w;
      if (score < bestScore || (score == bestScore && id < winner)) {
        bestScore = score;
        winner = id;
      }
    }
    return winner;
  }

  /**
   * The distribution {@link #sample} draws from for {@code logits}, normalised, {@code [vocab]} (a
   * new array): the temperature softmax restricted by top-k and top-p; one-hot on the argmax at
   * temperature 0. Draws nothing.
   */
  public double[] probabilities(float[] logits) {
    int best = checkAndArgmax(logits);
    double[] p = new double[vocabSize];
    if (params.greedy()) {
      p[best] = 1;
      return p;
    }
    int candidates = candidates(logits, best);
    if (candidates < 0) {
      System.arraycopy(weights, 0, p, 0, vocabSize);
    } else {
      for (int i = 0; i < candidates; i++) {
        p[order[i]] = weights[order[i]];
      }
    }
    double total = 0;
    for (double w : p) {
      total += w;
    }
    for (int i = 0; i < vocabSize; i++) {
      p[i] /= total;
    }
    return p;
  }

  /**
   * Fills {@code weights} with exp((logit - max) / temperature) and restricts them by top-k and
   * top-p: returns the number of candidates in {@code order[0..n)}, best first, or -1 when every
   * token is a candidate in id order.
   */
  private int candidates(float[] logits, int best) {
    double max = logits[best];
    double inverseTemperature = 1.0 / params.temperature();
    int k = params.topK() > 0 && params.topK() < vocabSize ? params.topK() : 0;
    boolean nucleus = params.topP() < 1f;
    int candidates;
    if (k > 0) {
      // Rank by logit first, so only the k survivors need an exp.
      candidates = selectTopK(logits, k);
      for (int i = 0; i < k; i++) {
        weights[order[i]] = Math.exp((logits[order[i]] - max) * inverseTemperature);
      }
      sortDescending(logits, candidates);
    } else {
      for (int i = 0; i < vocabSize; i++) {
        weights[i] = Math.exp((logits[i] - max) * inverseTemperature);
      }
      if (!nucleus) {
        return -1;
      }
      candidates = nucleusCandidates(logits);
      sortDescending(logits, candidates);
    }
    if (nucleus) {
      candidates = nucleusCut(candidates);
    }
    return candidates;
  }

  /**
   * log softmax(logits)[token] at temperature 1 (whatever the sampler's temperature), in nats: the
   * model's own log probability of {@code token}. Computed in double around the maximum, so large
   * logits do not overflow.
   */
  public float logprob(float[] logits, int token) {
    int best = checkAndArgmax(logits);
    if (token < 0 || token >= vocabSize) {
      throw new IllegalArgumentException(
          "token " + token + " is outside the vocabulary [0, " + vocabSize + ")");
    }
    double max = logits[best];
    double sum = 0;
    for (int i = 0; i < vocabSize; i++) {
      sum += Math.exp(logits[i] - max);
    }
    return (float) (logits[token] - max - Math.log(sum));
  }

  /**
   * Index of the largest value, lowest on ties; no validation (the greedy choice of checked
   * logits).
   */
  public static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Validates logits and returns the argmax (lowest id on ties). */
  private int checkAndArgmax(float[] logits) {
    if (logits == null || logits.length != vocabSize) {
      throw new IllegalArgumentException(
          "expected "
              + vocabSize
              + " logits, got "
              + (logits == null ? "null" : String.valueOf(logits.length)));
    }
    int best = -1;
    float bestValue = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocabSize; i++) {
      float v = logits[i];
      if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
        throw new IllegalArgumentException(
            "logit of token " + i + " is " + v + "; logits must be finite or -Infinity");
      }
      if (v > bestValue) {
        best = i;
        bestValue = v;
      }
    }
    if (best < 0) {
      throw new IllegalArgumentException("every logit is -Infinity: no token can be sampled");
    }
    return best;
  }

  /** Puts the k best ids (any order) into order[0..k) with a min-heap of the best seen so far. */
  private int selectTopK(float[] logits, int k) {
    for (int i = 0; i < k; i++) {
      order[i] = i;
      siftUp(logits, i);
    }
    for (int i = k; i < vocabSize; i++) {
      if (better(logits, i, order[0])) {
        order[0] = i;
        siftDown(logits, 0, k);
      }
    }
    return k;
  }

  /**
   * Puts into order[] the ids that can be in the nucleus. Every token whose probability is below (1
   * - p) / (V - 1) can be left out: together such tokens weigh less than 1 - p, so the kept ones
   * reach p first.
   */
  private int nucleusCandidates(float[] logits) {
    double total = 0;
    for (int i = 0; i < vocabSize; i++) {
      total += weights[i];
    }
    // Capped at 1, the weight of the argmax, which always belongs to the nucleus.
    double cutoff =
        vocabSize > 1 ? Math.min(1.0, (1.0 - params.topP()) / (vocabSize - 1) * total) : 0;
    int n = 0;
    for (int i = 0; i < vocabSize; i++) {
      if (weights[i] >= cutoff && weights[i] > 0) {
        order[n++] = i;
      }
    }
    return n;
  }

  /**
   * The length of the shortest prefix of the sorted order[0..n) whose weight reaches top_p of their
   * total.
   */
  private int nucleusCut(int n) {
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += weights[order[i]];
    }
    double target = params.topP() * total;
    double cumulative = 0;
    for (int i = 0; i < n; i++) {
      cumulative += weights[order[i]];
      if (cumulative >= target) {
        return i + 1;
      }
    }
    return n;
  }

  /**
   * Heapsort of order[0..n), best first. Compares logits, not weights, so exp rounding cannot
   * reorder ties.
   */
  private void sortDescending(float[] logits, int n) {
    for (int i = 1; i < n; i++) {
      siftUp(logits, i);
    }
    for (int end = n - 1; end > 0; end--) {
      int worst = order[0];
      order[0] = order[end];
      order[end] = worst;
      siftDown(logits, 0, end);
    }
  }

  /** True when token a ranks before token b: higher logit, or equal logit and lower id. */
  private static boolean better(float[] logits, int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  }

  // A min-heap on rank: order[0] is the worst of order[0..size).
  private void siftUp(float[] logits, int i) {
    int child = i;
    while (child > 0) {
      int parent = (child - 1) / 2;
      if (!better(logits, order[parent], order[child])) {
        return;
      }
      swap(parent, child);
      child = parent;
    }
  }

  private void siftDown(float[] logits, int i, int size) {
    int parent = i;
    while (true) {
      int left = 2 * parent + 1;
      if (left >= size) {
        return;
      }
      int worst = left;
      if (left + 1 < size && better(logits, order[left], order[left + 1])) {
        worst = left + 1;
      }
      if (!better(logits, order[parent], order[worst])) {
        return;
      }
      swap(parent, worst);
      parent = worst;
    }
  }

  private void swap(int a, int b) {
    int t = order[a];
    order[a] = order[b];
    order[b] = t;
  }
}
