package dev.edgesplit.cloud.compute;

import dev.edgesplit.engine.sampling.SamplingParams;

/** Creates one {@link TokenSampler} per session. Thread-safe. */
public interface SamplerFactory {

  TokenSampler create(SamplingParams params, int vocabSize);
}
