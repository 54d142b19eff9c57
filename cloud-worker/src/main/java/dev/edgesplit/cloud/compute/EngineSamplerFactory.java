package dev.edgesplit.cloud.compute;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SamplingParams;
import dev.edgesplit.engine.sampling.SpeculativeAcceptance;

/**
 * Samples with the engine's seeded {@link Sampler} (draws keyed on seed and position): one sampler
 * per session.
 */
public final class EngineSamplerFactory implements SamplerFactory {

  @Override
  public TokenSampler create(SamplingParams params, int vocabSize) {
    Sampler sampler = new Sampler(params, vocabSize);
    return new TokenSampler() {
      @Override
      public TokenChoice sample(float[] logits, int position) {
        return choice(logits, sampler.sample(logits, position));
      }

      @Override
      public TokenChoice judge(float[] logits, int position) {
        return choice(logits, SpeculativeAcceptance.judge(sampler, logits, position));
      }

      private TokenChoice choice(float[] logits, int token) {
        return params.logprobs()
            ? new TokenChoice(token, sampler.logprob(logits, token))
            : TokenChoice.of(token);
      }
    };
  }
}
