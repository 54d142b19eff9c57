package dev.edgesplit.bench;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SamplingParams;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: what the cloud worker does with one token's logits after the LM head, greedy, with and
 * without the token's log probability (a pass of exp over the whole vocabulary), at a vocabulary
 * size (SmolLM2's by default).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SamplerBenchmark {

  @Param("49152")
  public int vocab;

  private float[] logits;
  private Sampler sampler;

  @Setup
  public void logits() {
    SplittableRandom random = new SplittableRandom(7);
    logits = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) (random.nextGaussian() * 3);
    }
    sampler = new Sampler(SamplingParams.GREEDY, vocab);
  }

  @Benchmark
  public int greedy() {
    return sampler.sample(logits, 0);
  }

  @Benchmark
  public float greedyWithLogprob() {
    int token = sampler.sample(logits, 0);
    return sampler.logprob(logits, token);
  }
}
