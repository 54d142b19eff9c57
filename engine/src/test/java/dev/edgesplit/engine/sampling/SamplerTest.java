package dev.edgesplit.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {

  private static final float[] THREE = {
    (float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)
  };

  private static float[] randomLogits(SplittableRandom random, int n) {
    float[] logits = new float[n];
    for (int i = 0; i < n; i++) {
      logits[i] = (float) (random.nextGaussian() * 3);
    }
    return logits;
  }

  @Test
  void greedy_takesArgmax_lowestIdOnTies() {
    Sampler sampler = new Sampler(SamplingParams.GREEDY, 4);
    assertThat(sampler.sample(new float[] {1f, 3f, 2f, -1f}, 0)).isEqualTo(1);
    assertThat(sampler.sample(new float[] {5f, 1f, 5f, 5f}, 1)).isEqualTo(0);
    assertThat(
            sampler.sample(
                new float[] {Float.NEGATIVE_INFINITY, -7f, Float.NEGATIVE_INFINITY, -9f}, 2))
        .isEqualTo(1);
  }

  @Test
  void sameSeedAndLogits_giveSameTokens_otherSeedDiffers() {
    SamplingParams params = new SamplingParams(0.8f, 40, 0.95f, 1234L);
    Sampler a = new Sampler(params, 1000);
    Sampler b = new Sampler(params, 1000);
    Sampler other = new Sampler(new SamplingParams(0.8f, 40, 0.95f, 1235L), 1000);
    SplittableRandom random = new SplittableRandom(7);
    int differences = 0;
    for (int step = 0; step < 200; step++) {
      float[] logits = randomLogits(random, 1000);
      int token = a.sample(logits, step);
      assertThat(b.sample(logits, step)).as("step %d", step).isEqualTo(token);
      differences += other.sample(logits, step) != token ? 1 : 0;
    }
    assertThat(differences).isGreaterThan(20);
  }

  @Test
  void topK1_andTinyTopP_equalGreedy() {
    SplittableRandom random = new SplittableRandom(3);
    Sampler greedy = new Sampler(SamplingParams.GREEDY, 500);
    Sampler topK1 = new Sampler(new SamplingParams(1.5f, 1, 1f, 9L), 500);
    Sampler tinyP = new Sampler(new SamplingParams(1.5f, 0, 1e-6f, 9L), 500);
    Sampler both = new Sampler(new SamplingParams(1f, 50, 1e-6f, 9L), 500);
    for (int step = 0; step < 300; step++) {
      float[] logits = randomLogits(random, 500);
      if (step % 10 == 0) {
        logits[17] = logits[400] = 50f; // a tie at the top: the lowest id wins everywhere
      }
      int expected = greedy.sample(logits, step);
      assertThat(topK1.sample(logits, step)).as("top-k 1, step %d", step).isEqualTo(expected);
      assertThat(tinyP.sample(logits, step)).as("top-p 1e-6, step %d", step).isEqualTo(expected);
      assertThat(both.sample(logits, step))
          .as("top-k 50 + top-p 1e-6, step %d", step)
          .isEqualTo(expected);
    }
  }

  @Test
  void temperature1_matchesTheSoftmaxDistribution() {
    // 100k draws: the standard error of each frequency is at most 0.0016, so 0.01 is over 6 sigma.
    assertThat(frequencies(new SamplingParams(1f, 0, 1f, 42L), 100_000))
        .containsExactly(new double[] {0.5, 0.3, 0.2}, within(0.01));
  }

  @Test
  void temperatureTopKAndTopP_reshapeTheDistribution() {
    // T = 2: p^(1/2) renormalized = 0.4155, 0.3218, 0.2628
    assertThat(frequencies(new SamplingParams(2f, 0, 1f, 1L), 100_000))
        .containsExactly(new double[] {0.4155, 0.3218, 0.2628}, within(0.01));
    // top-k 2 keeps 0.5 and 0.3, renormalized 0.625 / 0.375
    assertThat(frequencies(new SamplingParams(1f, 2, 1f, 2L), 100_000))
        .containsExactly(new double[] {0.625, 0.375, 0}, within(0.01));
    // top-p 0.7: 0.5 alone does not reach it, 0.5 + 0.3 does
    assertThat(frequencies(new SamplingParams(1f, 0, 0.7f, 3L), 100_000))
        .containsExactly(new double[] {0.625, 0.375, 0}, within(0.01));
    assertThat(frequencies(new SamplingParams(1f, 0, 0.4f, 4L), 10_000)).containsExactly(1, 0, 0);
  }

  private static double[] frequencies(SamplingParams params, int draws) {
    Sampler sampler = new Sampler(params, 3);
    int[] counts = new int[3];
    for (int i = 0; i < draws; i++) {
      counts[sampler.sample(THREE, i)]++;
    }
    return new double[] {
      counts[0] / (double) draws, counts[1] / (double) draws, counts[2] / (double) draws
    };
  }

  @Test
  void aDraw_dependsOnlyOnSeedPositionAndLogits_notOnTheDrawsBefore() {
    SamplingParams params = new SamplingParams(0.8f, 0, 0.95f, 99L);
    SplittableRandom random = new SplittableRandom(11);
    float[][] logits = new float[100][];
    int[] forward = new int[100];
    Sampler a = new Sampler(params, 700);
    for (int pos = 0; pos < 100; pos++) {
      logits[pos] = randomLogits(random, 700);
      forward[pos] = a.sample(logits[pos], pos);
    }
    Sampler b = new Sampler(params, 700);
    for (int pos = 99; pos >= 0; pos -= 2) { // other order, every other position skipped
      assertThat(b.sample(logits[pos], pos)).as("position %d", pos).isEqualTo(forward[pos]);
    }
    int changed = 0;
    for (int pos = 0; pos < 100; pos++) {
      changed += b.sample(logits[pos], pos + 1000) != forward[pos] ? 1 : 0;
    }
    assertThat(changed).as("other positions draw otherwise").isGreaterThan(20);
  }

  @Test
  void closeDistributions_underOneSeedAndPosition_drawTheSameTokenMostly() {
    // A draft model's logits = the target's plus noise: the coupled draws agree at least
    // (1 - TV) / (1 + TV) of the time; independent seeds agree only sum(p * q).
    SplittableRandom random = new SplittableRandom(5);
    Sampler target = new Sampler(new SamplingParams(1f, 0, 1f, 7L), 50);
    Sampler draft = new Sampler(new SamplingParams(1f, 0, 1f, 7L), 50);
    Sampler unrelated = new Sampler(new SamplingParams(1f, 0, 1f, 8L), 50);
    double bound = 0;
    double independent = 0;
    int coupled = 0;
    int uncoupled = 0;
    int trials = 4000;
    for (int pos = 0; pos < trials; pos++) {
      float[] p = randomLogits(random, 50);
      float[] q = p.clone();
      for (int i = 0; i < q.length; i++) {
        q[i] += (float) (random.nextGaussian() * 0.3);
      }
      double[] pp = target.probabilities(p);
      double[] qq = draft.probabilities(q);
      double tv = 0;
      double overlap = 0;
      for (int i = 0; i < pp.length; i++) {
        tv += Math.abs(pp[i] - qq[i]) / 2;
        overlap += pp[i] * qq[i];
      }
      bound += (1 - tv) / (1 + tv) / trials;
      independent += overlap / trials;
      int token = target.sample(p, pos);
      coupled += draft.sample(q, pos) == token ? 1 : 0;
      uncoupled += unrelated.sample(q, pos) == token ? 1 : 0;
    }
    System.out.printf(
        "coupled agreement %.3f (bound %.3f), independent %.3f (expected %.3f)%n",
        coupled / (double) trials, bound, uncoupled / (double) trials, independent);
    // 4000 trials: the standard error of a rate is under 0.008; 0.03 is over 3.5 sigma.
    assertThat(coupled / (double) trials).isGreaterThan(bound - 0.03);
    assertThat(uncoupled / (double) trials).isCloseTo(independent, within(0.03));
  }

  @Test
  void logprob_isLogSoftmaxAtTemperature1() {
    Sampler sampler = new Sampler(new SamplingParams(0.5f, 10, 0.9f, 0L), 3);
    // log(1 + e^-1 + e^-2) = 0.40760596
    assertThat(sampler.logprob(new float[] {1f, 2f, 3f}, 2)).isCloseTo(-0.40760596f, within(1e-6f));
    assertThat(sampler.logprob(new float[] {1f, 2f, 3f}, 0)).isCloseTo(-2.40760596f, within(1e-6f));
    assertThat(sampler.logprob(THREE, 1)).isCloseTo((float) Math.log(0.3), within(1e-6f));
    // Large logits do not overflow.
    assertThat(sampler.logprob(new float[] {1000f, 1000f, -1000f}, 0))
        .isCloseTo((float) -Math.log(2), within(1e-6f));
    assertThat(sampler.logprob(new float[] {0f, Float.NEGATIVE_INFINITY, 0f}, 1))
        .isEqualTo(Float.NEGATIVE_INFINITY);
  }

  @Test
  void rejectsNanAndMalformedLogits() {
    Sampler sampler = new Sampler(new SamplingParams(1f, 0, 1f, 0L), 3);
    assertThatThrownBy(() -> sampler.sample(new float[] {0f, Float.NaN, 1f}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token 1 is NaN");
    assertThatThrownBy(
            () -> new Sampler(SamplingParams.GREEDY, 3).sample(new float[] {Float.NaN, 0f, 1f}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> sampler.logprob(new float[] {0f, 1f, Float.NaN}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> sampler.sample(new float[] {0f, 1f}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected 3 logits, got 2");
    float[] allMasked = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
    assertThatThrownBy(() -> sampler.sample(allMasked, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sampler.logprob(THREE, 3))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sample_allocatesNothingPerCall_andIsFast() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int vocab = 32_000;
    float[] logits = randomLogits(new SplittableRandom(5), vocab);
    SamplingParams[] configs = {
      new SamplingParams(0.8f, 0, 1f, 1L),
      new SamplingParams(0.8f, 40, 0.95f, 1L),
      new SamplingParams(0.8f, 0, 0.9f, 1L)
    };
    for (SamplingParams params : configs) {
      Sampler sampler = new Sampler(params, vocab);
      for (int i = 0; i < 200; i++) {
        sampler.sample(logits, i); // warm up
      }
      long id = Thread.currentThread().getId();
      long before = threads.getThreadAllocatedBytes(id);
      long start = System.nanoTime();
      int calls = 500;
      for (int i = 0; i < calls; i++) {
        sampler.sample(logits, i);
      }
      long micros = (System.nanoTime() - start) / 1000 / calls;
      long allocated = threads.getThreadAllocatedBytes(id) - before;
      System.out.printf(
          "sampler vocab %d %s: %d us/token, %d bytes allocated in %d calls%n",
          vocab, params, micros, allocated, calls);
      // One vocab-sized array would be 128 KB per call; allow only incidental bytes of the
      // measuring itself.
      assertThat(allocated).as("bytes allocated by %d calls", calls).isLessThan(16_384);
    }
  }
}
