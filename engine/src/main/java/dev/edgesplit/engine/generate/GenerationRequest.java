package dev.edgesplit.engine.generate;

import dev.edgesplit.engine.sampling.SamplingParams;
import java.util.List;
import java.util.Objects;

/**
 * One generation: a prompt and how to continue it.
 *
 * @param prompt text to continue (encoded with a beginning-of-sequence token)
 * @param maxNewTokens most tokens to generate
 * @param sampling how to choose each token
 * @param stop strings that end the generation when they appear in the generated text
 */
public record GenerationRequest(
    String prompt, int maxNewTokens, SamplingParams sampling, List<String> stop) {

  public GenerationRequest {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(sampling, "sampling");
    stop = List.copyOf(stop);
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
    }
  }

  public static GenerationRequest greedy(String prompt, int maxNewTokens) {
    return new GenerationRequest(prompt, maxNewTokens, SamplingParams.GREEDY, List.of());
  }
}
