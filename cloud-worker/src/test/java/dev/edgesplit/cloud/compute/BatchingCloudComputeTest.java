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
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.testkit.SharedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent sessions through one batching compute: each gets exactly the text it gets alone. */
class BatchingCloudComputeTest {

  private static final String EXPECTED_START = "Once upon a time, there was a little girl named Lily.";

  @TempDir Path dir;

  @Test
  void concurrentSessions_batchTheirDecodeSteps_andEachGetsTheReferenceText() throws Exception {
    CompiledModel compiled = new Compiler(new CompileOptions(2, WeightFormat.FP32, WeightFormat.FP32,
        SegmentOptions.defaults(128))).compile(ModelImporter.load(SharedModels.require("stories260K")), dir);
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
      assertThat(largestBatch.get()).as("decode steps of concurrent sessions ran together").isGreaterThan(1);

      List<ComputeState> all = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        all.add(compute.newState());
      }
      assertThatThrownBy(compute::newState).isInstanceOf(CapacityExceededException.class)
          .hasMessageContaining("batch slots");
      all.forEach(ComputeState::close);
      compute.newState().close(); // freed slots are reusable
    }
  }

  private static String generate(SegmentChain edge, BatchingCloudCompute compute, Tokenizer tokenizer,
      AtomicInteger largestBatch) {
    int[] prompt = tokenizer.encode("Once upon a time", true);
    Sampler greedy = new Sampler(SamplingParams.GREEDY, edge.config().vocabSize());
    StringBuilder text = new StringBuilder("Once upon a time");
    Tokenizer.StreamDecoder decoder = tokenizer.newDecoder();
    for (int t : prompt) {
      decoder.next(t);
    }
    try (ChainState e = edge.newState(); ComputeState c = compute.newState()) {
      int[] input = prompt;
      for (int step = 0; step < 40; step++) {
        float[] logits = compute.forward(c, edge.forwardTokens(e, input), input.length);
        largestBatch.accumulateAndGet(compute.lastBatchSize(), Math::max);
        int next = greedy.sample(logits);
        text.append(decoder.next(next));
        input = new int[] {next};
      }
    }
    return text.toString();
  }
}
