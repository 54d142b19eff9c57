package dev.edgesplit.edge.generate;

import dev.edgesplit.proto.v1.SamplingParams;
import java.util.List;
import java.util.Set;

/**
 * A Generate request that passed validation.
 *
 * @param prompt prompt token ids (BOS included for text prompts), 1 <= length < context
 * @param maxNewTokens tokens to generate at most; prompt.length + maxNewTokens <= context
 * @param sampling sampling parameters as sent to the cloud (top_p 0 normalised to 1)
 * @param stops non-empty stop strings
 * @param stopTokens token ids that end the generation like EOS (not streamed)
 */
public record ValidRequest(
    int[] prompt,
    int maxNewTokens,
    SamplingParams sampling,
    List<String> stops,
    Set<Integer> stopTokens) {

  public ValidRequest {
    stopTokens = Set.copyOf(stopTokens);
  }

  /** A request without stop tokens. */
  public ValidRequest(int[] prompt, int maxNewTokens, SamplingParams sampling, List<String> stops) {
    this(prompt, maxNewTokens, sampling, stops, Set.of());
  }
}
