package dev.edgesplit.partitioner;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Java heap allocated by one decode step of the edge and cloud chains, after warm-up. */
class DecodeAllocationTest {

  @TempDir Path dir;

  @Test
  void decodeStep_allocatesNothing() throws Exception {
    assertThat(SegmentChain.allocationFreeSteps()).as(SegmentChain.stepRunner()).isTrue();
    CompiledModel compiled = new Compiler(new CompileOptions(2, WeightFormat.INT4, WeightFormat.FP32,
        SegmentOptions.defaults(256))).compile(RandomModels.tiny(16, true, false, 5), dir);
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    try (SegmentChain edge = compiled.openEdge(2, RuntimeOptions.defaults());
        SegmentChain cloud = compiled.openCloud(2, RuntimeOptions.defaults());
        ChainState e = edge.newState();
        ChainState c = cloud.newState()) {
      for (int i = 0; i < 50; i++) { // warm-up: bindings created, JIT settled
        cloud.decodeHidden(c, edge.decodeToken(e, i % 90));
      }
      int steps = 100;
      long before = threads.getThreadAllocatedBytes(id);
      FloatBuffer logits = null;
      for (int i = 0; i < steps; i++) {
        logits = cloud.decodeHidden(c, edge.decodeToken(e, i % 90));
      }
      long perStep = (threads.getThreadAllocatedBytes(id) - before) / steps;
      assertThat(logits.remaining()).isEqualTo(97);
      // Both chains' runs go through IoBinding: the whole step, edge and cloud, allocates nothing.
      assertThat(perStep).isZero();
    }
  }
}
