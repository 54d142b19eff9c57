package dev.edgesplit.cloud.compute;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SamplingParams;

/** Samples with the engine's seeded {@link Sampler}: one sampler, and so one random stream, per session. */
public final class EngineSamplerFactory implements SamplerFactory {

  @Override
  public TokenSampler create(SamplingParams params, int vocabSize) {
    Sampler sampler = new Sampler(params, vocabSize);
    if (!params.logprobs()) {
      return logits -> TokenChoice.of(sampler.sample(logits));
    }
    return logits -> {
      int token = sampler.sample(logits);
      return new TokenChoice(token, sampler.logprob(logits, token));
    };
  }
}
