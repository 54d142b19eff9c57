package dev.edgesplit.partitioner;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java heap allocated by one decode step of the edge and cloud chains after warm-up, with ONNX
 * Runtime called through IoBinding (the default) and through {@code OrtSession.run} (the fallback).
 */
class DecodeAllocationTest {

  private static final int WARMUP = 50;
  private static final int STEPS = 100;

  @TempDir static Path dir;
  static CompiledModel compiled;

  @BeforeAll
  static void compile() throws Exception {
    compiled = RandomModels.compiledTiny(dir, 256);
  }

  @Test
  void decodeStepThroughIoBinding_allocatesNothing_andComputesWhatOrtSessionRunComputes() {
    assertThat(SegmentChain.allocationFreeSteps()).as(SegmentChain.stepRunner()).isTrue();
    Steps bound = run(RuntimeOptions.defaults());
    Steps sessionRun = run(RuntimeOptions.defaults().withoutIoBinding());
    // Both chains' runs go through IoBinding: the whole step, edge and cloud, allocates nothing.
    assertThat(bound.bytesPerStep).isZero();
    // OrtSession.run builds its name and handle arrays and a Result on every call.
    assertThat(sessionRun.bytesPerStep).isGreaterThan(100);
    assertThat(bound.lastLogits).containsExactly(sessionRun.lastLogits);
  }

  private record Steps(long bytesPerStep, float[] lastLogits) {}

  private static Steps run(RuntimeOptions options) {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    try (SegmentChain edge = compiled.openEdge(2, options);
        SegmentChain cloud = compiled.openCloud(2, options);
        ChainState e = edge.newState();
        ChainState c = cloud.newState()) {
      for (int i = 0; i < WARMUP; i++) { // bindings created, JIT settled
        cloud.decodeHidden(c, edge.decodeToken(e, i % 90));
      }
      long before = threads.getThreadAllocatedBytes(id);
      FloatBuffer logits = null;
      for (int i = 0; i < STEPS; i++) {
        logits = cloud.decodeHidden(c, edge.decodeToken(e, i % 90));
      }
      long perStep = (threads.getThreadAllocatedBytes(id) - before) / STEPS;
      assertThat(logits.remaining()).isEqualTo(97);
      float[] last = new float[logits.remaining()];
      logits.get(last);
      return new Steps(perStep, last);
    }
  }
}
