package dev.edgesplit.engine.segment;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.edgesplit.engine.EngineException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session over one segment file. Thread-safe; closed by its {@link SegmentChain}.
 */
final class Segment implements AutoCloseable {

  private final SegmentSpec spec;
  private final OrtSession session;
  private final boolean takesPositionIds;
  private final Set<String> outputs;
  private final boolean ioBinding;
  private volatile boolean closed;

  Segment(OrtEnvironment env, Path file, SegmentSpec spec, RuntimeOptions options) {
    this.spec = spec;
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(options.intraOpThreads());
      so.setInterOpNumThreads(1);
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      // Workers spin between the operators of one run (waking a sleeping thread per operator made
      // two threads
      // slower than one) and sleep once the run ends, so a session that waits for the link or for
      // another
      // session's run burns no core.
      so.addConfigEntry("session.intra_op.allow_spinning", options.spinning() ? "1" : "0");
      so.addConfigEntry("session.force_spinning_stop", "1");
      if (options.profilePrefix() != null) {
        so.enableProfiling(options.profilePrefix() + "-" + file.getFileName());
      }
      this.session = env.createSession(file.toString(), so);
    } catch (OrtException e) {
      throw new EngineException("cannot load segment " + file + ": " + e.getMessage(), e);
    }
    this.takesPositionIds = session.getInputNames().contains(SegmentIo.POSITION_IDS);
    this.outputs = Set.of(spec.head() ? SegmentIo.LOGITS : SegmentIo.HIDDEN_OUT);
    this.ioBinding = options.ioBinding() && OrtNative.available();
  }

  /** True when this segment's decode steps run through IoBinding. */
  boolean ioBinding() {
    return ioBinding;
  }

  SegmentSpec spec() {
    return spec;
  }

  OrtSession session() {
    return session;
  }

  boolean takesPositionIds() {
    return takesPositionIds;
  }

  /**
   * Adds the step inputs a segment with layers reads (sequence lengths, and positions where RoPE is
   * its own node); a segment with only the embedding or the head takes none.
   */
  void putStepInputs(
      Map<String, OnnxTensorLike> inputs,
      OnnxTensorLike seqlensK,
      OnnxTensorLike total,
      OnnxTensorLike positions) {
    if (spec.layers() > 0) {
      inputs.put(SegmentIo.SEQLENS_K, seqlensK);
      inputs.put(SegmentIo.TOTAL_SEQUENCE_LENGTH, total);
      if (takesPositionIds) {
        inputs.put(SegmentIo.POSITION_IDS, positions);
      }
    }
  }

  /** The one non-KV output this segment returns. */
  Set<String> mainOutput() {
    return outputs;
  }

  /** Ends ONNX Runtime's profiling of this session and returns the file it wrote. */
  Path endProfiling() {
    try {
      return Path.of(session.endProfiling());
    } catch (OrtException e) {
      throw new EngineException("cannot end profiling: " + e.getMessage(), e);
    }
  }

  boolean closed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    try {
      session.close();
    } catch (OrtException e) {
      throw new EngineException("cannot close segment session", e);
    }
  }
}
