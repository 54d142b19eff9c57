package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorProfileTest {

  /**
   * ONNX Runtime's trace format: a prefill run (0-1000 us), then two decode runs; events out of
   * order.
   */
  private static final String TRACE =
      """
      [
        {"cat": "Session", "name": "model_run", "ts": 2000, "dur": 100},
        {"cat": "Node", "name": "mm_kernel_time", "ts": 2010, "dur": 60, "args": {"op_name": "MatMulNBits"}},
        {"cat": "Node", "name": "mm_fence_before", "ts": 2005, "dur": 1, "args": {"op_name": "MatMulNBits"}},
        {"cat": "Session", "name": "model_run", "ts": 0, "dur": 1000},
        {"cat": "Node", "name": "mm_kernel_time", "ts": 10, "dur": 800, "args": {"op_name": "MatMulNBits"}},
        {"cat": "Node", "name": "attn_kernel_time", "ts": 820, "dur": 100, "args": {"op_name": "GroupQueryAttention"}},
        {"cat": "Session", "name": "model_run", "ts": 3000, "dur": 120},
        {"cat": "Node", "name": "mm_kernel_time", "ts": 3010, "dur": 80, "args": {"op_name": "MatMulNBits"}},
        {"cat": "Node", "name": "attn_kernel_time", "ts": 3095, "dur": 20, "args": {"op_name": "GroupQueryAttention"}}
      ]
      """;

  @Test
  void eachWindowOfRuns_countsOnlyItsOwnKernels(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("profile.json"), TRACE);

    OperatorProfile.Trace trace = OperatorProfile.Trace.read(file);
    OperatorProfile prefill = trace.window(0, 1);
    assertThat(prefill.msByType()).containsOnlyKeys("MatMulNBits", "GroupQueryAttention");
    assertThat(prefill.msByType().get("MatMulNBits")).isCloseTo(0.8, within(1e-9));
    assertThat(prefill.outsideOperatorsMs()).isCloseTo(0.1, within(1e-9));

    OperatorProfile decode = trace.window(1, 2);
    assertThat(decode.msByType().keySet()).containsExactly("MatMulNBits", "GroupQueryAttention");
    assertThat(decode.msByType().get("MatMulNBits")).isCloseTo(0.07, within(1e-9));
    assertThat(decode.msByType().get("GroupQueryAttention")).isCloseTo(0.01, within(1e-9));
    assertThat(decode.nodesByType().get("GroupQueryAttention")).isEqualTo(0.5);
    assertThat(decode.runMs()).isCloseTo(0.11, within(1e-9));
  }

  @Test
  void askingForRunsTheFileDoesNotHold_isAnError(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("profile.json"), TRACE);
    OperatorProfile.Trace trace = OperatorProfile.Trace.read(file);
    assertThatThrownBy(() -> trace.window(2, 2)).hasMessageContaining("holds 3 runs");
  }
}
