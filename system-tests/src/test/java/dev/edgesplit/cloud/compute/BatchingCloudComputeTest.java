package dev.edgesplit.cloud.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.cloud.error.CapacityExceededException;
import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SamplingParams;
import dev.edgesplit.engine.segment.BatchedChain;
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
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent sessions through one batching compute: each gets exactly the text it gets alone. */
class BatchingCloudComputeTest {

  private static final String EXPECTED_START =
      "Once upon a time, there was a little girl named Lily.";

  @TempDir Path dir;

  @Test
  void concurrentSessions_batchTheirDecodeSteps_andEachGetsTheReferenceText() throws Exception {
    CompiledModel compiled =
        CompiledStories.compile(2, WeightFormat.FP32, WeightFormat.FP32, 128, dir);
    Tokenizer tokenizer = Tokenizers.load(compiled.tokenizerFile());
    int sessions = 8;
    AtomicInteger largestBatch = new AtomicInteger();
    try (SegmentChain edge = compiled.openEdge(2, RuntimeOptions.defaults());
        BatchedChain chain = compiled.openCloudBatched(2, RuntimeOptions.defaults(), sessions);
        BatchingCloudCompute compute = new BatchingCloudCompute(chain, compiled.fingerprint())) {
      String alone = generate(edge, compute, tokenizer, new AtomicInteger());
      assertThat(alone).startsWith(EXPECTED_START);
      ExecutorService pool = Executors.newFixedThreadPool(sessions);
      List<Future<String>> texts = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        texts.add(pool.submit(() -> generate(edge, compute, tokenizer, largestBatch)));
      }
      for (Future<String> text : texts) {
        assertThat(text.get()).isEqualTo(alone);
      }
      pool.shutdown();
      assertThat(largestBatch.get())
          .as("decode steps of concurrent sessions ran together")
          .isGreaterThan(1);

      List<ComputeState> all = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        all.add(compute.newState());
      }
      assertThatThrownBy(compute::newState)
          .isInstanceOf(CapacityExceededException.class)
          .hasMessageContaining("batch slots");
      all.forEach(ComputeState::close);
      compute.newState().close(); // freed slots are reusable
    }
  }

  /**
   * Sessions with different prompts and lengths join at different rounds, and each round only a
   * random subset of the live ones steps (concurrently, so their steps share batches) while the
   * others sit out: every session's tokens must equal its solo run's. Freed slots are taken by
   * later sessions.
   */
  @Test
  void sessionsOutOfLockstep_joiningAndLeaving_eachGetTheTokensOfTheirSoloRun() throws Exception {
    CompiledModel compiled =
        CompiledStories.compile(2, WeightFormat.FP32, WeightFormat.FP32, 128, dir);
    Tokenizer tokenizer = Tokenizers.load(compiled.tokenizerFile());
    String[] prompts = {
      "Once upon a time",
      "Lily",
      "The cat sat on the mat and looked at the big red ball.",
      "One day",
      "Tom and Sue went to the park to play. They",
      "A",
      "The sun",
      "She was happy"
    };
    int maxBatch = 6;
    int sessions = 14;
    SplittableRandom rnd = new SplittableRandom(19);
    ExecutorService pool = Executors.newFixedThreadPool(maxBatch);
    try (SegmentChain edge = compiled.openEdge(2, RuntimeOptions.defaults());
        BatchedChain chain = compiled.openCloudBatched(2, RuntimeOptions.defaults(), maxBatch);
        BatchingCloudCompute compute = new BatchingCloudCompute(chain, compiled.fingerprint())) {
      List<Stepper> all = new ArrayList<>();
      List<List<Integer>> solo = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        int[] prompt = tokenizer.encode(prompts[i % prompts.length], true);
        int length = 3 + rnd.nextInt(40);
        solo.add(SteppedSessions.solo(new Stepper(edge, compute, prompt, length)));
        all.add(new Stepper(edge, compute, prompt, length));
      }
      int largest = SteppedSessions.runAndCheck(all, solo, compute, pool, rnd, maxBatch, s -> {});
      assertThat(largest).as("steps of different sessions shared a batch").isGreaterThan(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /** One greedy session driven a step at a time: its prompt first, then one token per step. */
  private static final class Stepper extends SteppedSessions.Session {
    final SegmentChain edge;
    final BatchingCloudCompute compute;
    final Sampler greedy;
    int[] input;
    ChainState edgeState;
    ComputeState cloudState;

    Stepper(SegmentChain edge, BatchingCloudCompute compute, int[] prompt, int length) {
      super(length);
      this.edge = edge;
      this.compute = compute;
      this.greedy = new Sampler(SamplingParams.GREEDY, edge.config().vocabSize());
      this.input = prompt;
    }

    @Override
    Stepper start() {
      edgeState = edge.newState();
      cloudState = compute.newState();
      return this;
    }

    @Override
    void step() {
      int next =
          greedy.sample(
              compute.forward(cloudState, edge.forwardTokens(edgeState, input), input.length),
              cloudState.position());
      tokens.add(next);
      input = new int[] {next};
    }

    @Override
    public void close() {
      edgeState.close();
      cloudState.close();
    }
  }

  private static String generate(
      SegmentChain edge,
      BatchingCloudCompute compute,
      Tokenizer tokenizer,
      AtomicInteger largestBatch) {
    int[] prompt = tokenizer.encode("Once upon a time", true);
    Sampler greedy = new Sampler(SamplingParams.GREEDY, edge.config().vocabSize());
    StringBuilder text = new StringBuilder("Once upon a time");
    Tokenizer.StreamDecoder decoder = tokenizer.newDecoder();
    for (int t : prompt) {
      decoder.next(t);
    }
    try (ChainState e = edge.newState();
        ComputeState c = compute.newState()) {
      int[] input = prompt;
      for (int step = 0; step < 40; step++) {
        float[] logits = compute.forward(c, edge.forwardTokens(e, input), input.length);
        largestBatch.accumulateAndGet(compute.lastBatchSize(), Math::max);
        int next = greedy.sample(logits, c.position());
        text.append(decoder.next(next));
        input = new int[] {next};
      }
    }
    return text.toString();
  }
}
