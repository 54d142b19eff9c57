package dev.edgesplit.engine.sampling;

/**
 * How the next token is chosen from logits.
 *
 * @param temperature 0 for greedy (argmax); otherwise logits are divided by it before softmax
 * @param topK keep the k most likely tokens; 0 disables
 * @param topP keep the smallest set whose probability reaches p; 1 disables
 * @param seed seed of the sampler's random generator (same seed, same logits: same tokens)
 * @param logprobs whether each token's log probability is wanted (a pass of exp over the vocabulary
 *     per token)
 */
public record SamplingParams(float temperature, int topK, float topP, long seed, boolean logprobs) {

  public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f, 0L);

  public SamplingParams {
    if (!(temperature >= 0) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be a finite number >= 0, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
  }

  /** Without log probabilities. */
  public SamplingParams(float temperature, int topK, float topP, long seed) {
    this(temperature, topK, topP, seed, false);
  }

  public boolean greedy() {
    return temperature == 0f;
  }
}
