package dev.edgesplit.engine.segment;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.edgesplit.engine.EngineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one session's single-position steps feed to and take from ONNX Runtime, allocated
 * once: the small inputs live in direct buffers that are rewritten in place, and each segment's
 * output is pinned to a tensor that the next segment reads as its input. Where ONNX Runtime's
 * IoBinding is reachable every segment's tensors are bound once and a step allocates nothing at
 * all; otherwise each run goes through {@code OrtSession.run}, which allocates its argument arrays
 * and result.
 */
final class DecodeBindings implements AutoCloseable {

  private final LongBuffer ids; // [1, 1]
  private final LongBuffer positions; // [1, 1]
  private final IntBuffer seqlensK; // [1]
  private final IntBuffer total; // []
  private final FloatBuffer hiddenIn; // [1, 1, d] when the chain takes hidden states
  private final FloatBuffer output; // [1, 1, d] hidden or [1, vocab] logits of the last segment
  private final List<Map<String, OnnxTensorLike>> inputs = new ArrayList<>();
  private final List<Map<String, OnnxValue>> pinned = new ArrayList<>();
  private final List<OnnxTensor> owned = new ArrayList<>();
  private final List<Segment> segments;
  private final List<BoundRun> bound = new ArrayList<>();

  DecodeBindings(OrtEnvironment env, List<Segment> segments, ChainState state, int dim, int vocab) {
    this.segments = segments;
    try {
      ids = direct(8).asLongBuffer();
      positions = direct(8).asLongBuffer();
      seqlensK = direct(4).asIntBuffer();
      total = direct(4).asIntBuffer();
      hiddenIn = direct(dim * 4).asFloatBuffer();
      OnnxTensor idsT = own(OnnxTensor.createTensor(env, ids, new long[] {1, 1}));
      OnnxTensor posT = own(OnnxTensor.createTensor(env, positions, new long[] {1, 1}));
      OnnxTensor seqT = own(OnnxTensor.createTensor(env, seqlensK, new long[] {1}));
      OnnxTensor totalT = own(OnnxTensor.createTensor(env, total, new long[] {}));
      OnnxTensor previous = own(OnnxTensor.createTensor(env, hiddenIn, new long[] {1, 1, dim}));
      FloatBuffer last = null;
      for (int i = 0; i < segments.size(); i++) {
        Segment seg = segments.get(i);
        Map<String, OnnxTensorLike> in = new HashMap<>(state.cache(i).inputs());
        in.put(
            seg.spec().embedding() ? SegmentIo.INPUT_IDS : SegmentIo.HIDDEN_IN,
            seg.spec().embedding() ? idsT : previous);
        seg.putStepInputs(in, seqT, totalT, posT);
        boolean head = seg.spec().head();
        last = direct((head ? vocab : dim) * 4).asFloatBuffer();
        OnnxTensor out =
            own(
                OnnxTensor.createTensor(
                    env, last, head ? new long[] {1, vocab} : new long[] {1, 1, dim}));
        Map<String, OnnxValue> pin = new HashMap<>(state.cache(i).pinnedOutputs());
        pin.put(head ? SegmentIo.LOGITS : SegmentIo.HIDDEN_OUT, out);
        inputs.add(in);
        pinned.add(pin);
        previous = out;
      }
      output = last;
      if (segments.stream().allMatch(Segment::ioBinding)) {
        for (int i = 0; i < segments.size(); i++) {
          bound.add(new BoundRun(segments.get(i), inputs.get(i), pinned.get(i)));
        }
      }
    } catch (OrtException | RuntimeException e) {
      close();
      throw e instanceof EngineException ee
          ? ee
          : new EngineException("cannot bind decode tensors", e);
    }
  }

  private static ByteBuffer direct(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }

  private OnnxTensor own(OnnxTensor t) {
    owned.add(t);
    return t;
  }

  /** Writes the step's position (and token id) into the bound input buffers. */
  void set(int position, int token) {
    ids.put(0, token);
    positions.put(0, position);
    seqlensK.put(0, position);
    total.put(0, position + 1);
  }

  FloatBuffer hiddenIn() {
    return hiddenIn;
  }

  /** Runs segment {@code index} of the chain on the bound tensors. */
  void run(int index) throws OrtException {
    if (bound.isEmpty()) {
      segments.get(index).session().run(inputs.get(index), pinned.get(index)).close();
    } else {
      bound.get(index).run();
    }
  }

  /**
   * The last segment's output after a step, the same buffer rewound each time; valid until the next
   * step.
   */
  FloatBuffer output() {
    return output.clear();
  }

  @Override
  public void close() {
    bound.forEach(BoundRun::close);
    bound.clear();
    owned.forEach(OnnxTensor::close);
    owned.clear();
  }
}
