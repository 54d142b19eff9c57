package dev.edgesplit.cloud.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.systest.CompiledStories;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batching compute over a per-layer build serves U-shaped ranges {@code [k,m)} (hidden states
 * back) next to plain sessions: sessions of several ranges join, step concurrently in random
 * subsets, rewind (a speculative window's rejected rows) and leave, and every session's greedy
 * tokens equal those it gets from the unbatched per-layer worker compute alone.
 */
class BatchingUShapedComputeTest {

  private static final int N = 5;

  @TempDir static Path dir;
  static CompiledModel compiled;
  static Tokenizer tokenizer;

  @BeforeAll
  static void compile() throws Exception {
    compiled = CompiledStories.compile(null, WeightFormat.FP32, WeightFormat.FP32, 128, dir);
    tokenizer = Tokenizers.load(compiled.tokenizerFile());
  }

  @Test
  void uShapedAndPlainSessions_outOfLockstep_withRewinds_eachGetTheirSoloTokens() throws Exception {
    String[] prompts = {
      "Once upon a time",
      "Lily",
      "The cat sat on the mat and looked at the big red ball.",
      "One day",
      "Tom and Sue went to the park to play. They",
      "A"
    };
    int[][] shapes = {{1, 3}, {2, 4}, {1, N}, {0, 2}};
    int maxBatch = 6;
    int sessions = 16;
    SplittableRandom rnd = new SplittableRandom(15);
    ExecutorService pool = Executors.newFixedThreadPool(2 * maxBatch);
    try (Chains chains = new Chains();
        PerLayerCloudCompute alone =
            new PerLayerCloudCompute(compiled, RuntimeOptions.defaults(), 1);
        BatchingCloudCompute compute =
            BatchingCloudCompute.forModel(compiled, RuntimeOptions.defaults(), 1, N, maxBatch)) {
      List<Stepper> all = new ArrayList<>();
      List<List<Integer>> solo = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        int[] shape = shapes[i % shapes.length];
        int[] prompt = tokenizer.encode(prompts[i % prompts.length], true);
        int length = 3 + rnd.nextInt(40);
        solo.add(
            SteppedSessions.solo(new Stepper(chains, alone, shape[0], shape[1], prompt, length)));
        all.add(new Stepper(chains, compute, shape[0], shape[1], prompt, length));
      }
      AtomicInteger rewinds = new AtomicInteger();
      int largest =
          SteppedSessions.runAndCheck(
              all,
              solo,
              compute,
              pool,
              rnd,
              Integer.MAX_VALUE,
              s -> {
                if (rnd.nextInt(4) == 0 && s.tokens.size() > 2) {
                  s.rewind(1 + rnd.nextInt(2));
                  rewinds.incrementAndGet();
                }
              });
      assertThat(rewinds.get()).isPositive();
      assertThat(largest).as("steps of different sessions shared a run").isGreaterThan(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Ranges without sessions are closed once more than a few are open; a range opened again serves
   * its sessions exactly as before.
   */
  @Test
  void idleRangesAreClosed_andAReopenedRangeServesExactly() throws Exception {
    int[] prompt = tokenizer.encode("Once upon a time", true);
    try (Chains chains = new Chains();
        PerLayerCloudCompute alone =
            new PerLayerCloudCompute(compiled, RuntimeOptions.defaults(), 1);
        BatchingCloudCompute compute =
            BatchingCloudCompute.forModel(compiled, RuntimeOptions.defaults(), 1, N, 2)) {
      List<Integer> expected = SteppedSessions.solo(new Stepper(chains, alone, 1, 3, prompt, 20));
      assertThat(SteppedSessions.solo(new Stepper(chains, compute, 1, 3, prompt, 20)))
          .isEqualTo(expected);
      for (int k = 0; k < N - 1; k++) {
        for (int m = k + 1; m < N; m++) {
          compute.newState(k, m).close(); // opens every U range once, then leaves it idle
        }
      }
      assertThat(SteppedSessions.solo(new Stepper(chains, compute, 1, 3, prompt, 20)))
          .isEqualTo(expected);
      // The last session's slot is released on the batcher thread, after close() returns.
      await()
          .atMost(1, TimeUnit.MINUTES)
          .until(() -> compute.openRanges() == 1 + BatchingCloudCompute.MAX_IDLE_RANGES);
    }
  }

  /** The edge's chains, shared by every session: [0,k) with the embedding, [m,N) with the head. */
  private static final class Chains implements AutoCloseable {
    private final Map<Integer, SegmentChain> fronts = new HashMap<>();
    private final Map<Integer, SegmentChain> backs = new HashMap<>();

    synchronized SegmentChain front(int k) {
      return fronts.computeIfAbsent(k, c -> compiled.openEdge(c, RuntimeOptions.defaults()));
    }

    synchronized SegmentChain back(int m) {
      return backs.computeIfAbsent(
          m,
          c ->
              compiled.openLayers(
                  c, N, false, true, compiled.manifest().edgeWeights(), RuntimeOptions.defaults()));
    }

    @Override
    public void close() {
      fronts.values().forEach(SegmentChain::close);
      backs.values().forEach(SegmentChain::close);
    }
  }

  /**
   * One greedy session driven a step at a time: the edge runs [0,k), the compute [k,m), the edge
   * [m,N) and the head (or the compute all of [k,N) and the head when m is N).
   */
  private static final class Stepper extends SteppedSessions.Session {
    final SegmentChain front;
    final SegmentChain back;
    final CloudCompute compute;
    final int cut;
    final int returnCut;
    final int promptLength;
    int[] input;
    ChainState frontState;
    ChainState backState;
    ComputeState cloudState;

    Stepper(Chains chains, CloudCompute compute, int k, int m, int[] prompt, int length) {
      super(length);
      this.front = chains.front(k);
      this.back = m < N ? chains.back(m) : null;
      this.compute = compute;
      this.cut = k;
      this.returnCut = m;
      this.input = prompt;
      this.promptLength = prompt.length;
    }

    @Override
    Stepper start() {
      frontState = front.newState();
      backState = back == null ? null : back.newState();
      cloudState = compute.newState(cut, returnCut);
      return this;
    }

    @Override
    void step() {
      float[] out =
          compute.forward(cloudState, front.forwardTokens(frontState, input), input.length);
      float[] logits = back == null ? out : back.forwardHidden(backState, out, input.length);
      int next = Sampler.argmax(logits);
      tokens.add(next);
      input = new int[] {next};
    }

    /**
     * Forgets the last {@code r} positions everywhere, as after a window whose last rows were
     * rejected, and drops the tokens they produced: the next steps compute them again.
     */
    void rewind(int r) {
      int position = promptLength + tokens.size() - 1 - r;
      frontState.rewind(position);
      cloudState.rewind(position);
      if (backState != null) {
        backState.rewind(position);
      }
      tokens.subList(tokens.size() - r, tokens.size()).clear();
      input = new int[] {tokens.get(tokens.size() - 1)};
    }

    @Override
    public void close() {
      frontState.close();
      if (backState != null) {
        backState.close();
      }
      cloudState.close();
    }
  }
}
