package dev.edgesplit.engine.segment;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.edgesplit.engine.ContextOverflowException;
import dev.edgesplit.engine.EngineException;
import dev.edgesplit.engine.model.ModelConfig;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Contiguous segments run one after another: token ids or hidden states in, hidden states or logits
 * out. Thread-safe (each session brings its own {@link ChainState}); owns and closes its ONNX
 * Runtime sessions.
 */
public final class SegmentChain implements AutoCloseable {

  private final OrtEnvironment env;
  private final ModelConfig config;
  private final List<Segment> segments;
  private final int maxContext;

  SegmentChain(OrtEnvironment env, ModelConfig config, List<Segment> segments, int maxContext) {
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("a chain needs at least one segment");
    }
    this.env = env;
    this.config = config;
    this.segments = List.copyOf(segments);
    this.maxContext = maxContext;
  }

  /**
   * How decode steps call ONNX Runtime in this process: through IoBinding, allocating nothing, or
   * through {@code OrtSession.run} and why (set {@code -Dedgesplit.ort.iobinding=false} to force
   * the latter; {@link RuntimeOptions#withoutIoBinding} does it per chain).
   */
  public static String stepRunner() {
    return OrtNative.available()
        ? "IoBinding"
        : "OrtSession.run (IoBinding unavailable: " + OrtNative.unavailableReason() + ")";
  }

  /**
   * True when IoBinding works here, so decode steps allocate nothing on the Java heap (see {@link
   * #stepRunner}).
   */
  public static boolean allocationFreeSteps() {
    return OrtNative.available();
  }

  public ModelConfig config() {
    return config;
  }

  /** True when the chain starts at the embedding (takes token ids). */
  public boolean takesTokens() {
    return segments.get(0).spec().embedding();
  }

  /** True when the chain ends with the LM head (returns logits). */
  public boolean emitsLogits() {
    return segments.get(segments.size() - 1).spec().head();
  }

  public int firstLayer() {
    return segments.get(0).spec().firstLayer();
  }

  public int endLayer() {
    return segments.get(segments.size() - 1).spec().endLayer();
  }

  public int maxContext() {
    return maxContext;
  }

  /** KV caches for one session; the caller closes the state. */
  public ChainState newState() {
    List<KvCache> caches = new ArrayList<>(segments.size());
    try {
      for (Segment s : segments) {
        caches.add(new KvCache(env, s.spec(), config.nKvHeads(), maxContext, config.headSize()));
      }
    } catch (RuntimeException e) {
      caches.forEach(KvCache::close);
      throw e;
    }
    return new ChainState(caches, maxContext);
  }

  /**
   * Runs token ids at positions {@code state.position() ..} and advances the state.
   *
   * @return hidden states {@code [tokens.length * dim]}, or the last position's logits {@code
   *     [vocab]}
   */
  public float[] forwardTokens(ChainState state, int[] tokens) {
    if (!takesTokens()) {
      throw new IllegalStateException(
          "this chain starts at layer " + firstLayer() + " and takes hidden states");
    }
    if (tokens.length == 1) {
      return copy(decodeToken(state, tokens[0]));
    }
    long[] ids = new long[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
        throw new IllegalArgumentException(
            "token id " + tokens[i] + " outside the vocabulary of " + config.vocabSize());
      }
      ids[i] = tokens[i];
    }
    return run(
        state,
        tokens.length,
        (first) -> OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, ids.length}));
  }

  /**
   * Runs hidden states {@code [seqLen * dim]} at positions {@code state.position() ..} and advances
   * the state.
   *
   * @return hidden states {@code [seqLen * dim]}, or the last position's logits {@code [vocab]}
   */
  public float[] forwardHidden(ChainState state, float[] hidden, int seqLen) {
    if (takesTokens()) {
      throw new IllegalStateException("this chain starts with the embedding and takes token ids");
    }
    if (seqLen < 1 || hidden.length != (long) seqLen * config.dim()) {
      throw new IllegalArgumentException(
          "hidden states hold "
              + hidden.length
              + " values, expected "
              + seqLen
              + " x "
              + config.dim());
    }
    if (seqLen == 1) {
      return copy(decodeHidden(state, FloatBuffer.wrap(hidden)));
    }
    return run(state, seqLen, (first) -> hiddenTensor(hidden, seqLen));
  }

  /**
   * One token at the next position, without allocating: the result is a view of a buffer this state
   * reuses, valid until its next step.
   *
   * @return hidden states {@code [dim]} or logits {@code [vocab]}
   */
  public FloatBuffer decodeToken(ChainState state, int token) {
    if (!takesTokens()) {
      throw new IllegalStateException(
          "this chain starts at layer " + firstLayer() + " and takes hidden states");
    }
    if (token < 0 || token >= config.vocabSize()) {
      throw new IllegalArgumentException(
          "token id " + token + " outside the vocabulary of " + config.vocabSize());
    }
    DecodeBindings b = bindings(state);
    b.set(state.position(), token);
    return step(state, b);
  }

  /**
   * One position of hidden states {@code [dim]} (read from the buffer's position) at the next
   * position, without allocating; the result is a view valid until the state's next step.
   */
  public FloatBuffer decodeHidden(ChainState state, FloatBuffer hidden) {
    if (takesTokens()) {
      throw new IllegalStateException("this chain starts with the embedding and takes token ids");
    }
    if (hidden.remaining() != config.dim()) {
      throw new IllegalArgumentException(
          "hidden states hold " + hidden.remaining() + " values, expected " + config.dim());
    }
    DecodeBindings b = bindings(state);
    b.set(state.position(), 0);
    b.hiddenIn().put(0, hidden, hidden.position(), config.dim());
    return step(state, b);
  }

  private DecodeBindings bindings(ChainState state) {
    if (state.position() + 1 > maxContext) {
      throw new ContextOverflowException(state.position(), 1, maxContext);
    }
    if (state.decode() == null) {
      state.decode(new DecodeBindings(env, segments, state, config.dim(), config.vocabSize()));
    }
    return state.decode();
  }

  private FloatBuffer step(ChainState state, DecodeBindings b) {
    try {
      for (int i = 0; i < segments.size(); i++) {
        b.run(i);
      }
    } catch (OrtException | EngineException e) {
      throw new EngineException(
          "decode step failed at position " + state.position() + ": " + e.getMessage(), e);
    }
    state.advance(1);
    return b.output();
  }

  private static float[] copy(FloatBuffer buffer) {
    float[] out = new float[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  private float[] run(ChainState state, int seqLen, FirstInput firstInput) {
    int position = state.position();
    if (position + seqLen > maxContext) {
      throw new ContextOverflowException(position, seqLen, maxContext);
    }
    List<OnnxTensor> owned = new ArrayList<>();
    try {
      OnnxTensor positions = own(owned, positionIds(position, seqLen));
      OnnxTensor seqlensK =
          own(
              owned,
              OnnxTensor.createTensor(
                  env, IntBuffer.wrap(new int[] {position + seqLen - 1}), new long[] {1}));
      OnnxTensor total =
          own(
              owned,
              OnnxTensor.createTensor(
                  env, IntBuffer.wrap(new int[] {position + seqLen}), new long[] {}));
      OnnxTensor input = own(owned, firstInput.create(segments.get(0)));
      float[] out = null;
      for (int i = 0; i < segments.size(); i++) {
        Segment seg = segments.get(i);
        if (i > 0) {
          input = own(owned, hiddenTensor(out, seqLen));
        }
        KvCache cache = state.cache(i);
        Map<String, OnnxTensorLike> inputs = new HashMap<>(cache.inputs());
        inputs.put(seg.spec().embedding() ? SegmentIo.INPUT_IDS : SegmentIo.HIDDEN_IN, input);
        seg.putStepInputs(inputs, seqlensK, total, positions);
        try (OrtSession.Result result =
            seg.session().run(inputs, seg.mainOutput(), cache.pinnedOutputs())) {
          OnnxTensor t = (OnnxTensor) result.get(seg.mainOutput().iterator().next()).orElseThrow();
          FloatBuffer fb = t.getFloatBuffer();
          out = new float[fb.remaining()];
          fb.get(out);
        }
      }
      state.advance(seqLen);
      return out;
    } catch (OrtException e) {
      throw new EngineException(
          "segment run failed at position " + position + ": " + e.getMessage(), e);
    } finally {
      owned.forEach(OnnxTensor::close);
    }
  }

  private OnnxTensor positionIds(int position, int seqLen) throws OrtException {
    long[] ids = new long[seqLen];
    for (int i = 0; i < seqLen; i++) {
      ids[i] = position + i;
    }
    return OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, seqLen});
  }

  private OnnxTensor hiddenTensor(float[] hidden, int seqLen) throws OrtException {
    return OnnxTensor.createTensor(
        env, FloatBuffer.wrap(hidden), new long[] {1, seqLen, config.dim()});
  }

  private static OnnxTensor own(List<OnnxTensor> owned, OnnxTensor t) {
    owned.add(t);
    return t;
  }

  /**
   * Ends the operator profiling of every segment (opened with {@link RuntimeOptions#profiled}) and
   * returns the JSON files ONNX Runtime wrote, one per segment.
   */
  public List<Path> endProfiling() {
    return segments.stream().map(Segment::endProfiling).toList();
  }

  @Override
  public void close() {
    segments.forEach(Segment::close);
  }

  @FunctionalInterface
  private interface FirstInput {
    OnnxTensor create(Segment first) throws OrtException;
  }
}
