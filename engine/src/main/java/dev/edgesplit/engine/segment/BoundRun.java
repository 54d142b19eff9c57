package dev.edgesplit.engine.segment;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.edgesplit.engine.EngineException;
import java.util.Map;

/**
 * One segment's run with its inputs and outputs bound once through ONNX Runtime's IoBinding: the
 * tensors keep their buffers, callers rewrite the buffers' contents between runs, and {@link #run}
 * is a single native call that allocates nothing. Valid while the session and every bound tensor
 * are open; closed before them.
 */
final class BoundRun implements AutoCloseable {

  private final Segment segment;
  private final long session;
  private final long runOptions;
  private final long binding;
  private boolean closed;

  BoundRun(
      Segment segment,
      Map<String, ? extends OnnxTensorLike> inputs,
      Map<String, ? extends OnnxValue> outputs) {
    this.segment = segment;
    this.session = OrtNative.handle(segment.session());
    this.runOptions = OrtNative.created(OrtNative::CreateRunOptions, "cannot create run options");
    long b = 0;
    try {
      b =
          OrtNative.created(
              out -> OrtNative.CreateIoBinding(session, out), "cannot create an IoBinding");
      for (Map.Entry<String, ? extends OnnxTensorLike> in : inputs.entrySet()) {
        bind(b, in.getKey(), in.getValue(), true);
      }
      for (Map.Entry<String, ? extends OnnxValue> out : outputs.entrySet()) {
        if (!(out.getValue() instanceof OnnxTensorLike tensor)) {
          throw new IllegalArgumentException("output " + out.getKey() + " is not a tensor");
        }
        bind(b, out.getKey(), tensor, false);
      }
    } catch (RuntimeException e) {
      OrtNative.ReleaseIoBinding(b);
      OrtNative.ReleaseRunOptions(runOptions);
      throw e;
    }
    this.binding = b;
  }

  private static void bind(long binding, String name, OnnxTensorLike tensor, boolean input) {
    try (Memory cName = OrtNative.cString(name)) {
      long cNameAddress = Pointer.nativeValue(cName);
      long value = OrtNative.handle(tensor);
      long status =
          input
              ? OrtNative.BindInput(binding, cNameAddress, value)
              : OrtNative.BindOutput(binding, cNameAddress, value);
      OrtNative.check(status, "cannot bind " + (input ? "input " : "output ") + name);
    }
  }

  /** Runs the segment on the bound tensors. */
  void run() {
    if (closed || segment.closed()) {
      throw new EngineException("the segment's session is closed");
    }
    OrtNative.check(OrtNative.RunWithBinding(session, runOptions, binding), "run failed");
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      OrtNative.ReleaseIoBinding(binding);
      OrtNative.ReleaseRunOptions(runOptions);
    }
  }
}
