package dev.edgesplit.partitioner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.segment.BatchedChain;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.model.SyntheticModels;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.testkit.SharedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Batched decode steps give every session exactly the logits it gets alone (an unbatched chain),
 * whatever the mix of positions, the slots that sit out a step, arrivals and departures. Head size
 * 16 lets GroupQueryAttention apply RoPE from each row's sequence length; head size 8 runs RoPE as
 * its own node from each row's position ids.
 */
class BatchedChainTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "head size {0}, per-layer {1}")
  @CsvSource({"16, false", "8, true"})
  void batchedDecode_matchesSessionsRunAlone(int headSize, boolean perLayer) throws Exception {
    int cut = 1;
    CompiledModel compiled = compile(headSize, perLayer, cut);
    int[][] prompts = {{3, 14, 15}, {92, 65}, {35, 89, 79, 32}};
    try (SegmentChain edge = compiled.openEdge(cut, RuntimeOptions.defaults());
        SegmentChain cloud = compiled.openCloud(cut, RuntimeOptions.defaults());
        BatchedChain batched = compiled.openCloudBatched(cut, RuntimeOptions.defaults(), 4)) {
      int hole = batched.acquire(); // slot 0, released below: the batch runs it as a padding row
      Session[] sessions = new Session[prompts.length];
      for (int i = 0; i < prompts.length; i++) {
        sessions[i] = new Session(edge, cloud, batched.acquire());
        float[] h = sessions[i].prompt(prompts[i]);
        assertSame(batched.forward(sessions[i].slot, h, prompts[i].length), sessions[i].expected);
      }
      batched.release(hole);
      for (int step = 0; step < 5; step++) {
        decode(batched, List.of(sessions));
        for (Session s : sessions) {
          assertThat(batched.position(s.slot)).isEqualTo(s.alone.position());
        }
      }
      Arrays.stream(sessions).forEach(Session::close);
    }
  }

  /**
   * The lead of issue 19: a taken slot inside the batch's span that does not step this run must
   * keep its cache. Slot 0 waits while slot 1 steps; then slot 0's next step must equal its solo
   * step.
   */
  @ParameterizedTest(name = "head size {0}")
  @CsvSource({"16", "8"})
  void aTakenSlotThatSitsOutAStep_keepsItsCache(int headSize) throws Exception {
    int cut = 1;
    CompiledModel compiled = compile(headSize, false, cut);
    try (SegmentChain edge = compiled.openEdge(cut, RuntimeOptions.defaults());
        SegmentChain cloud = compiled.openCloud(cut, RuntimeOptions.defaults());
        BatchedChain batched = compiled.openCloudBatched(cut, RuntimeOptions.defaults(), 4)) {
      Session waiting = new Session(edge, cloud, batched.acquire());
      Session stepping = new Session(edge, cloud, batched.acquire());
      assertThat(waiting.slot).isZero();
      batched.forward(waiting.slot, waiting.prompt(new int[] {3, 14, 15}), 3);
      batched.forward(stepping.slot, stepping.prompt(new int[] {92, 65}), 2);
      for (int step = 0; step < 3; step++) {
        decode(batched, List.of(stepping));
      }
      decode(batched, List.of(waiting));
      decode(batched, List.of(waiting, stepping));
      waiting.close();
      stepping.close();
    }
  }

  /**
   * Sessions join (prompts of 1..12 positions, some in two prefill chunks), step in random subsets,
   * and leave at random lengths; freed slots are reused. Every logit of every step must equal the
   * solo run's, for fp32 and quantized cloud weights, on a random model, the real stories260K and
   * SmolLM2-135M's widths.
   */
  @ParameterizedTest(name = "{0}, cloud {1} accuracy level {2}, batch {3}, seed {4}")
  @CsvSource({
    "head size 16, FP32, 0, 6, 1",
    "head size 8, FP32, 0, 6, 2",
    "head size 16, FP32, 0, 3, 3",
    "stories260K, FP32, 0, 16, 4",
    "SmolLM2 widths, FP32, 0, 8, 5",
    "SmolLM2 widths, INT4, 4, 6, 6"
  })
  void outOfLockstepSteps_withArrivalsAndDepartures_matchEachSessionAlone(
      String model, WeightFormat cloudWeights, int accuracyLevel, int maxBatch, long seed)
      throws Exception {
    int cut = 1;
    CompiledModel compiled =
        new Compiler(
                new CompileOptions(
                    cut,
                    WeightFormat.FP32,
                    cloudWeights,
                    new SegmentOptions(64, 32, accuracyLevel, true)))
            .compile(weights(model), dir);
    try (SegmentChain cloud = compiled.openCloud(cut, RuntimeOptions.defaults());
        BatchedChain batched =
            compiled.openCloudBatched(cut, RuntimeOptions.defaults(), maxBatch)) {
      // MatMulNBits rounds many rows differently from one (1e-6 here): quantized chains step
      // sessions alone.
      assertThat(batched.batches()).isEqualTo(cloudWeights == WeightFormat.FP32);
      outOfLockstep(compiled, cut, cloud, batched, seed);
    }
  }

  /**
   * The same schedule for U-shaped ranges {@code [cut, returnCut)} of a per-layer build (no head:
   * hidden states out), chained from one segment per layer: every hidden value of every step must
   * equal the solo range's exactly.
   */
  @ParameterizedTest(name = "{0}, layers [{1},{2}), batch {3}, seed {4}")
  @CsvSource({
    "head size 16, 1, 2, 6, 7",
    "head size 8, 0, 2, 6, 8",
    "stories260K, 1, 3, 16, 9",
    "stories260K, 2, 4, 8, 10",
    "SmolLM2 widths, 0, 1, 8, 11"
  })
  void uShapedRanges_outOfLockstep_matchEachSessionAlone(
      String model, int cut, int returnCut, int maxBatch, long seed) throws Exception {
    CompiledModel compiled =
        new Compiler(
                new CompileOptions(
                    null,
                    WeightFormat.FP32,
                    WeightFormat.FP32,
                    new SegmentOptions(64, 32, 0, true)))
            .compile(weights(model), dir);
    try (SegmentChain cloud =
            compiled.openLayers(
                cut, returnCut, false, false, WeightFormat.FP32, RuntimeOptions.defaults());
        BatchedChain batched =
            compiled.openCloudBatched(cut, returnCut, RuntimeOptions.defaults(), maxBatch)) {
      assertThat(batched.emitsLogits()).isFalse();
      assertThat(batched.endLayer()).isEqualTo(returnCut);
      assertThat(batched.batches()).isTrue();
      outOfLockstep(compiled, cut, cloud, batched, seed);
    }
  }

  /**
   * Sessions join with prompts of 1..12 positions (some in two chunks), step in random subsets and
   * leave at random lengths; each output is checked against {@code cloud} run alone.
   */
  private static void outOfLockstep(
      CompiledModel compiled, int cut, SegmentChain cloud, BatchedChain batched, long seed) {
    int vocab = compiled.config().vocabSize();
    int maxBatch = batched.maxBatch();
    SplittableRandom rnd = new SplittableRandom(seed);
    try (SegmentChain edge = compiled.openEdge(cut, RuntimeOptions.defaults())) {
      List<Session> live = new ArrayList<>();
      int joined = 0;
      int steps = 0;
      while (joined < 2 * maxBatch || !live.isEmpty()) {
        if (joined < 2 * maxBatch
            && batched.freeSlots() > 0
            && (live.isEmpty() || rnd.nextInt(3) == 0)) {
          Session s = new Session(edge, cloud, batched.acquire());
          s.length = 2 + rnd.nextInt(20);
          int[] prompt = rnd.ints(1 + rnd.nextInt(12), 1, vocab).toArray();
          int first =
              prompt.length > 1 && rnd.nextBoolean()
                  ? 1 + rnd.nextInt(prompt.length - 1)
                  : prompt.length;
          // The solo run gets the same chunks: a chunk's size changes the rounding of its own
          // positions.
          float[] logits = batched.forward(s.slot, s.prompt(Arrays.copyOf(prompt, first)), first);
          if (first < prompt.length) {
            logits =
                batched.forward(
                    s.slot,
                    s.prompt(Arrays.copyOfRange(prompt, first, prompt.length)),
                    prompt.length - first);
          }
          assertSame(logits, s.expected);
          live.add(s);
          joined++;
        }
        List<Session> stepping = new ArrayList<>();
        for (Session s : live) {
          if (rnd.nextInt(3) > 0) {
            stepping.add(s);
          }
        }
        if (!stepping.isEmpty()) {
          decode(batched, stepping);
          steps++;
        }
        // Now and then a session forgets its last positions (a speculative window's rejected
        // rows) and runs on from there.
        for (Session s : live) {
          if (rnd.nextInt(8) == 0 && s.alone.position() > 2) {
            int target = s.alone.position() - 1 - rnd.nextInt(2);
            s.rewind(target);
            batched.rewind(s.slot, target);
          }
        }
        for (Session s : List.copyOf(live)) {
          if (s.alone.position() >= s.length) {
            batched.release(s.slot);
            s.close();
            live.remove(s);
          }
        }
      }
      assertThat(steps).isGreaterThan(20);
    }
  }

  /** One batched step of {@code sessions}, each checked against its own solo step. */
  private static void decode(BatchedChain batched, List<Session> sessions) {
    int[] slots = new int[sessions.size()];
    float[][] hidden = new float[sessions.size()][];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = sessions.get(i).slot;
      hidden[i] = sessions.get(i).step();
    }
    float[][] actual = batched.decode(slots, hidden);
    for (int i = 0; i < slots.length; i++) {
      assertSame(actual[i], sessions.get(i).expected);
      assertThat(batched.position(slots[i])).isEqualTo(sessions.get(i).alone.position());
    }
  }

  /** Bit for bit: greedy output must not depend on who else is in the batch. */
  private static void assertSame(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    float worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    assertThat(worst).as("largest logit difference from the solo run").isZero();
  }

  /**
   * A random tiny model, the real stories260K, or two layers of SmolLM2-135M's widths (d 576, ffn
   * 1536).
   */
  private static ModelWeights weights(String model) throws Exception {
    if (model.equals("stories260K")) {
      return ModelImporter.load(SharedModels.require("stories260K"));
    }
    if (model.equals("SmolLM2 widths")) {
      return SyntheticModels.generate(
          new ModelConfig(
              "synthetic-wide", 576, 1536, 2, 9, 3, 1024, 64, 100000f, 1e-5f, false, true, false),
          7);
    }
    return RandomModels.tiny(
        Integer.parseInt(model.substring("head size ".length())), true, false, 9);
  }

  private CompiledModel compile(int headSize, boolean perLayer, int cut) throws Exception {
    return new Compiler(
            new CompileOptions(
                perLayer ? null : cut,
                WeightFormat.FP32,
                WeightFormat.FP32,
                SegmentOptions.defaults(64)))
        .compile(RandomModels.tiny(headSize, true, false, 9), dir);
  }

  /**
   * One session: its edge state, its solo cloud state (the reference) and its slot in the batched
   * chain.
   */
  private static final class Session implements AutoCloseable {
    final SegmentChain edge;
    final SegmentChain cloud;
    final ChainState edgeState;
    final ChainState alone;
    final int slot;
    float[] expected;
    int length;

    Session(SegmentChain edge, SegmentChain cloud, int slot) {
      assertThat(slot).isNotNegative();
      this.edge = edge;
      this.cloud = cloud;
      this.edgeState = edge.newState();
      this.alone = cloud.newState();
      this.slot = slot;
    }

    /** Runs the prompt on the edge and alone on the cloud; returns the edge's hidden states. */
    float[] prompt(int[] tokens) {
      float[] h = edge.forwardTokens(edgeState, tokens);
      expected = cloud.forwardHidden(alone, h, tokens.length);
      return h;
    }

    /**
     * The greedy next token through the edge and alone on the cloud; returns the edge's hidden
     * state.
     */
    float[] step() {
      // Without the head (a U-shaped range) the next token is any function of the output.
      int next = Sampler.argmax(expected) % edge.config().vocabSize();
      float[] h = edge.forwardTokens(edgeState, new int[] {next});
      expected = cloud.forwardHidden(alone, h, 1);
      return h;
    }

    void rewind(int position) {
      edgeState.rewind(position);
      alone.rewind(position);
    }

    @Override
    public void close() {
      edgeState.close();
      alone.close();
    }
  }
}
