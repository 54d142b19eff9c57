package dev.edgesplit.cloud.compute;

import dev.edgesplit.cloud.error.InvalidFrameException;
import dev.edgesplit.engine.sampling.SamplingParams;

/**
 * Temperature-0 sampling (argmax, lowest id on ties) with the log-softmax of the chosen logit. Stands in
 * until the engine's seeded Sampler is wired in: requests with temperature > 0 are refused with
 * INVALID_ARGUMENT rather than silently decoded greedily.
 */
public final class GreedySamplerFactory implements SamplerFactory {

  @Override
  public TokenSampler create(SamplingParams params, int vocabSize) {
    if (!params.greedy()) {
      throw new InvalidFrameException("this worker only samples greedily (temperature 0) for now");
    }
    return GreedySamplerFactory::argmax;
  }

  static TokenChoice argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l - logits[best]);
    }
    return new TokenChoice(best, (float) -Math.log(sum));
  }
}
