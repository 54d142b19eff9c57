package dev.edgesplit.edge.generate;

import dev.edgesplit.proto.v1.SamplingParams;
import java.util.List;

/**
 * A Generate request that passed validation.
 *
 * @param prompt       prompt token ids (BOS included for text prompts), 1 <= length < context
 * @param maxNewTokens tokens to generate at most; prompt.length + maxNewTokens <= context
 * @param sampling     sampling parameters as sent to the cloud (top_p 0 normalised to 1)
 * @param stops        non-empty stop strings
 */
public record ValidRequest(int[] prompt, int maxNewTokens, SamplingParams sampling, List<String> stops) {}
