package dev.edgesplit.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import dev.edgesplit.engine.EngineException;
import dev.edgesplit.partitioner.RandomModels;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs through ONNX Runtime's IoBinding (the C API bound with JNA): errors come back as exceptions,
 * not crashes.
 */
class BoundRunTest {

  @TempDir static Path dir;
  static CompiledModel compiled;

  @BeforeAll
  static void compile() throws Exception {
    compiled = RandomModels.compiledTiny(dir, 64);
  }

  @Test
  void isAvailableHere() {
    assertThat(OrtNative.available()).as(SegmentChain.stepRunner()).isTrue();
  }

  @Test
  void bindingAnInputTheSegmentDoesNotHave_failsWithOnnxRuntimesMessage() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (Segment edge = firstSegment();
        OnnxTensor ids =
            OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {1}), new long[] {1, 1})) {
      assertThatThrownBy(() -> new BoundRun(edge, Map.of("no_such_input", ids), Map.of()))
          .isInstanceOf(EngineException.class)
          .hasMessageStartingWith("cannot bind input no_such_input: ")
          .hasMessageContaining("no_such_input");
    }
  }

  @Test
  void runWithInputsMissing_failsWithOnnxRuntimesMessage() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (Segment edge = firstSegment();
        OnnxTensor ids =
            OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {1}), new long[] {1, 1});
        BoundRun run = new BoundRun(edge, Map.of(SegmentIo.INPUT_IDS, ids), Map.of())) {
      assertThatThrownBy(run::run)
          .isInstanceOf(EngineException.class)
          .hasMessageStartingWith("run failed: ");
      assertThatThrownBy(run::run)
          .as("the failed status was released, the binding still usable")
          .isInstanceOf(EngineException.class)
          .hasMessageStartingWith("run failed: ");
    }
  }

  @Test
  void stepAfterItsChainClosed_failsInsteadOfRunningAFreedSession() {
    SegmentChain edge = compiled.openEdge(2, RuntimeOptions.defaults());
    try (ChainState state = edge.newState()) {
      assertThat(edge.decodeToken(state, 1).remaining()).isEqualTo(compiled.config().dim());
      edge.close();
      assertThatThrownBy(() -> edge.decodeToken(state, 2))
          .isInstanceOf(EngineException.class)
          .hasMessageContaining("closed");
    }
  }

  private static Segment firstSegment() {
    SegmentEntry e = compiled.manifest().segments().get(0);
    return new Segment(
        OrtEnvironment.getEnvironment(),
        compiled.directory().resolve(e.file()),
        e.spec(),
        RuntimeOptions.defaults());
  }
}
