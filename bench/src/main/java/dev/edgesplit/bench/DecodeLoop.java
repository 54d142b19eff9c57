package dev.edgesplit.bench;

import dev.edgesplit.engine.sampling.Sampler;
import java.util.SplittableRandom;

/**
 * Drives a {@link BenchSession} like a generation: a seeded random prompt in one prefill run, then
 * greedy decode steps, each timed from feeding the token to having chosen the next. A warm-up
 * generation runs first and is discarded (JIT, ONNX Runtime arenas, caches).
 */
final class DecodeLoop {

  private final int promptTokens;
  private final int decodeTokens;
  private final int warmupTokens;
  private final int vocab;
  private final long seed;

  DecodeLoop(int promptTokens, int decodeTokens, int warmupTokens, int vocab, long seed) {
    if (promptTokens < 1 || decodeTokens < 1 || warmupTokens < 0) {
      throw new IllegalArgumentException("need a prompt and at least one decode token");
    }
    this.promptTokens = promptTokens;
    this.decodeTokens = decodeTokens;
    this.warmupTokens = warmupTokens;
    this.vocab = vocab;
    this.seed = seed;
  }

  /** Positions a run needs: the prompt and every decoded token. */
  int contextNeeded() {
    return promptTokens + Math.max(decodeTokens, warmupTokens) + 1;
  }

  GenerationTiming run(BenchSession session) {
    int[] prompt = prompt(promptTokens, vocab, seed);
    if (warmupTokens > 0) {
      generate(session, prompt, warmupTokens, new long[warmupTokens]);
    }
    session.reset();
    long[] steps = new long[decodeTokens];
    long[] prefill = generate(session, prompt, decodeTokens, steps);
    return new GenerationTiming(
        promptTokens,
        prefill[0] / 1e6,
        prefill[1] / 1e6,
        LatencyStats.ofNanos(steps, decodeTokens));
  }

  /** The seeded random prompt every mode uses. */
  static int[] prompt(int tokens, int vocab, long seed) {
    return new SplittableRandom(seed).ints(tokens, 0, vocab).toArray();
  }

  /**
   * @return prefill nanos and time-to-first-token nanos
   */
  private static long[] generate(BenchSession session, int[] prompt, int steps, long[] stepNanos) {
    session.decoding(false);
    long start = System.nanoTime();
    float[] logits = session.run(prompt);
    long prefilled = System.nanoTime();
    int next = Sampler.argmax(logits);
    long first = System.nanoTime();
    int[] one = new int[1];
    session.decoding(true);
    for (int i = 0; i < steps; i++) {
      long t = System.nanoTime();
      one[0] = next;
      logits = session.run(one);
      next = Sampler.argmax(logits);
      stepNanos[i] = System.nanoTime() - t;
    }
    session.decoding(false);
    return new long[] {prefilled - start, first - start};
  }
}
