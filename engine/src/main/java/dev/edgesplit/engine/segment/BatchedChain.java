package dev.edgesplit.engine.segment;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.edgesplit.engine.ContextOverflowException;
import dev.edgesplit.engine.EngineException;
import dev.edgesplit.engine.model.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A chain that takes hidden states and serves many sessions from one pool of KV-cache slots, so
 * that the decode steps of concurrent sessions run as one batched ONNX Runtime run: the weights are
 * read once for the whole batch. Slot {@code s} of every layer's cache is row {@code s} of a {@code
 * [maxBatch, nKvHeads, maxContext, headSize]} buffer; a batch of the first {@code b} slots is a
 * view of its prefix, a single slot (for prefill) a view of its row. Slots are handed out lowest
 * first so batches stay dense; slots inside a batch that do not step run as padding rows that leave
 * their caches' contents intact (see {@link #decode}).
 *
 * <p>A decode step gives each session bit for bit the logits it gets alone (docs/batching.md). fp32
 * MatMul rounds each row the same whatever the number of rows, so fp32 chains batch. MatMulNBits
 * (int8/int4 weights) rounds a one-row product differently from a many-row one (logits off by
 * ~1e-6, enough to flip a near tie), so quantized chains run each session's step on its own row:
 * exact, not batched ({@link #batches()}).
 *
 * <p>Not thread-safe: one thread (the worker's batcher) makes every call.
 */
public final class BatchedChain implements AutoCloseable {

  private final OrtEnvironment env;
  private final ModelConfig config;
  private final List<Segment> segments;
  private final int maxBatch;
  private final int maxContext;
  private final long slotFloats;
  private final Map<Integer, ByteBuffer> kv = new HashMap<>(); // per layer and K/V: all slots
  private final Deque<Integer> free = new ArrayDeque<>();
  private final int[] positions;
  private final boolean[] used;
  private final BatchBuffers buffers;
  private final Map<Integer, Binding> bindings = new HashMap<>(); // by batch size
  private final Map<Integer, Binding> slotBindings = new HashMap<>(); // by slot, for prefill
  private final boolean batches;
  private final int width; // floats per row of the last segment's output: vocab (head) or dim

  BatchedChain(
      OrtEnvironment env,
      ModelConfig config,
      List<Segment> segments,
      int maxBatch,
      int maxContext) {
    if (segments.get(0).spec().embedding()) {
      throw new IllegalArgumentException("a batched chain takes hidden states (cloud side)");
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1");
    }
    this.env = env;
    this.config = config;
    this.segments = List.copyOf(segments);
    this.maxBatch = maxBatch;
    this.maxContext = maxContext;
    this.slotFloats = (long) config.nKvHeads() * maxContext * config.headSize();
    long layerBytes = slotFloats * Float.BYTES * maxBatch;
    if (layerBytes > Integer.MAX_VALUE) {
      throw new EngineException(
          "KV pool of " + layerBytes + " bytes per layer is too large; lower batch or context");
    }
    for (Segment s : segments) {
      for (int layer = s.spec().firstLayer(); layer < s.spec().endLayer(); layer++) {
        kv.put(2 * layer, direct(layerBytes));
        kv.put(2 * layer + 1, direct(layerBytes));
      }
    }
    for (int s = 0; s < maxBatch; s++) {
      free.add(s);
    }
    this.positions = new int[maxBatch];
    this.used = new boolean[maxBatch];
    this.buffers = new BatchBuffers(maxBatch, config, segments);
    this.batches = segments.stream().allMatch(s -> s.spec().weights() == WeightFormat.FP32);
    this.width = emitsLogits() ? config.vocabSize() : config.dim();
  }

  /**
   * True when {@link #decode} runs the steps of several sessions as one run; false for quantized
   * weights, whose batched kernels round differently from the one-row kernel a session alone runs.
   */
  public boolean batches() {
    return batches;
  }

  /** First layer the chain runs (the cut). */
  public int firstLayer() {
    return segments.get(0).spec().firstLayer();
  }

  /** End of the layers the chain runs: N with the head, the return cut of a U-shaped range. */
  public int endLayer() {
    return segments.get(segments.size() - 1).spec().endLayer();
  }

  /**
   * True when the chain ends with the final norm and LM head (logits out); false for a U-shaped
   * range, whose steps return the hidden states of its last layer.
   */
  public boolean emitsLogits() {
    return segments.get(segments.size() - 1).spec().head();
  }

  public int maxBatch() {
    return maxBatch;
  }

  public int maxContext() {
    return maxContext;
  }

  public ModelConfig config() {
    return config;
  }

  /** KV bytes of one slot (one session) across this chain's layers. */
  public long slotBytes() {
    return slotFloats * Float.BYTES * 2 * (kv.size() / 2);
  }

  public int freeSlots() {
    return free.size();
  }

  /** A free slot with an empty cache, or -1 when all are taken. */
  public int acquire() {
    if (free.isEmpty()) {
      return -1;
    }
    int slot = free.stream().mapToInt(Integer::intValue).min().orElseThrow();
    free.remove(slot);
    used[slot] = true;
    positions[slot] = 0;
    return slot;
  }

  public void release(int slot) {
    if (used[slot]) {
      used[slot] = false;
      free.add(slot);
    }
  }

  public int position(int slot) {
    return positions[slot];
  }

  /**
   * Forgets the positions of {@code slot} from {@code position} on (speculative rows that were
   * rejected): its next run starts there and overwrites their stale keys and values.
   *
   * @throws IllegalArgumentException when {@code position} is negative or beyond what the slot
   *     holds
   */
  public void rewind(int slot, int position) {
    checkSlot(slot);
    if (position < 0 || position > positions[slot]) {
      throw new IllegalArgumentException(
          "cannot rewind slot " + slot + " to position " + position + " of " + positions[slot]);
    }
    positions[slot] = position;
  }

  /**
   * Runs {@code seqLen} positions of one slot (a prefill, or a lone decode step).
   *
   * @return logits {@code [vocab]} of the last position, or without the head the hidden states of
   *     every position, {@code [seqLen, dim]}
   */
  public float[] forward(int slot, float[] hidden, int seqLen) {
    checkSlot(slot);
    if (positions[slot] + seqLen > maxContext) {
      throw new ContextOverflowException(positions[slot], seqLen, maxContext);
    }
    try (OnnxTensor in =
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(hidden), new long[] {1, seqLen, config.dim()});
        OnnxTensor seq =
            OnnxTensor.createTensor(
                env, IntBuffer.wrap(new int[] {positions[slot] + seqLen - 1}), new long[] {1});
        OnnxTensor total =
            OnnxTensor.createTensor(
                env, IntBuffer.wrap(new int[] {positions[slot] + seqLen}), new long[] {});
        OnnxTensor pos =
            OnnxTensor.createTensor(
                env, LongBuffer.wrap(range(positions[slot], seqLen)), new long[] {1, seqLen})) {
      Binding b = slotBindings.computeIfAbsent(slot, s -> bind(s, 1, false));
      OnnxTensor x = in;
      float[] out = null;
      try {
        for (int i = 0; i < segments.size(); i++) {
          Segment seg = segments.get(i);
          Map<String, OnnxTensorLike> inputs = new HashMap<>(b.kvInputs.get(i));
          inputs.put(SegmentIo.HIDDEN_IN, x);
          seg.putStepInputs(inputs, seq, total, pos);
          try (var result = seg.session().run(inputs, seg.mainOutput(), b.kvOutputs.get(i))) {
            FloatBuffer fb =
                ((OnnxTensor) result.get(seg.mainOutput().iterator().next()).orElseThrow())
                    .getFloatBuffer();
            out = new float[fb.remaining()];
            fb.get(out);
          }
          if (i + 1 < segments.size()) {
            if (x != in) {
              x.close(); // an intermediate; the try above owns (and closes) the first input
            }
            x =
                OnnxTensor.createTensor(
                    env, FloatBuffer.wrap(out), new long[] {1, seqLen, config.dim()});
          }
        }
      } finally {
        if (x != in) {
          x.close();
        }
      }
      positions[slot] += seqLen;
      return out;
    } catch (OrtException e) {
      throw new EngineException("batched chain run failed: " + e.getMessage(), e);
    }
  }

  /**
   * One decode step for each of {@code slots} (distinct, taken), hidden states {@code hidden[i]} of
   * {@code [dim]} each: in one run when this chain {@link #batches()}, else one run per slot in the
   * order given (a failure then leaves the steps before it done).
   *
   * @return logits {@code [vocab]} per slot (without the head: hidden states {@code [dim]}), in the
   *     order given
   */
  public float[][] decode(int[] slots, float[][] hidden) {
    int batch = 0;
    for (int s : slots) {
      checkSlot(s);
      if (positions[s] + 1 > maxContext) {
        throw new ContextOverflowException(positions[s], 1, maxContext);
      }
      batch = Math.max(batch, s + 1);
    }
    if (!batches) {
      float[][] out = new float[slots.length][];
      for (int i = 0; i < slots.length; i++) {
        out[i] = forward(slots[i], hidden[i], 1);
      }
      return out;
    }
    int dim = config.dim();
    buffers.clear(batch);
    int maxTotal = 1;
    // GroupQueryAttention writes every row's new K/V at that row's seqlens_k, padding rows
    // included. A taken
    // slot that sits out this step must not lose a position of its cache (issue 19: at length 0 its
    // row
    // overwrote position 0), so its row writes at the slot's next free position, which its own next
    // step
    // rewrites before reading. A slot at the end of its context can never step again: its last
    // position
    // takes the write. Free slots hold nothing and run at length 0.
    for (int s = 0; s < batch; s++) {
      if (used[s]) {
        int scratch = Math.min(positions[s], maxContext - 1);
        buffers.seqlens.put(s, scratch);
        buffers.positions.put(s, scratch);
        maxTotal = Math.max(maxTotal, scratch + 1);
      }
    }
    for (int i = 0; i < slots.length; i++) {
      int s = slots[i];
      buffers.hidden.position(s * dim);
      buffers.hidden.put(hidden[i], 0, dim);
    }
    buffers.total.put(0, maxTotal);
    Binding b = bindings.computeIfAbsent(batch, n -> bind(0, n, true));
    try {
      for (int i = 0; i < segments.size(); i++) {
        segments.get(i).session().run(b.inputs.get(i), b.outputs.get(i)).close();
      }
    } catch (OrtException e) {
      throw new EngineException(
          "batched decode of " + slots.length + " sessions failed: " + e.getMessage(), e);
    }
    float[][] out = new float[slots.length][width];
    FloatBuffer rows = buffers.lastOutput();
    for (int i = 0; i < slots.length; i++) {
      rows.position(slots[i] * width);
      rows.get(out[i]);
      positions[slots[i]]++;
    }
    return out;
  }

  private void checkSlot(int slot) {
    if (slot < 0 || slot >= maxBatch || !used[slot]) {
      throw new IllegalArgumentException("slot " + slot + " is not taken");
    }
  }

  /**
   * Tensors over slots {@code [first, first + count)}: KV views, and for a decode batch (which
   * starts at slot 0) the step buffers, each segment's output pinned and read by the next.
   */
  private Binding bind(int first, int count, boolean decode) {
    Binding b = new Binding();
    try {
      long[] kvShape = {count, config.nKvHeads(), maxContext, config.headSize()};
      OnnxTensor previous = null;
      OnnxTensor seqlens = null;
      OnnxTensor total = null;
      OnnxTensor positions = null;
      if (decode) {
        previous =
            b.own(
                OnnxTensor.createTensor(
                    env, buffers.hidden(count), new long[] {count, 1, config.dim()}));
        seqlens = b.own(OnnxTensor.createTensor(env, buffers.seqlens(count), new long[] {count}));
        total = b.own(OnnxTensor.createTensor(env, buffers.total, new long[] {}));
        positions =
            b.own(OnnxTensor.createTensor(env, buffers.positions(count), new long[] {count, 1}));
      }
      for (int i = 0; i < segments.size(); i++) {
        Segment seg = segments.get(i);
        Map<String, OnnxTensorLike> kvIn = new HashMap<>();
        Map<String, OnnxValue> kvOut = new HashMap<>();
        for (int layer = seg.spec().firstLayer(); layer < seg.spec().endLayer(); layer++) {
          OnnxTensor k =
              b.own(OnnxTensor.createTensor(env, view(kv.get(2 * layer), first, count), kvShape));
          OnnxTensor v =
              b.own(
                  OnnxTensor.createTensor(env, view(kv.get(2 * layer + 1), first, count), kvShape));
          kvIn.put(SegmentIo.pastKey(layer), k);
          kvIn.put(SegmentIo.pastValue(layer), v);
          kvOut.put(SegmentIo.presentKey(layer), k);
          kvOut.put(SegmentIo.presentValue(layer), v);
        }
        b.kvInputs.add(kvIn);
        b.kvOutputs.add(kvOut);
        if (decode) {
          Map<String, OnnxTensorLike> in = new HashMap<>(kvIn);
          in.put(SegmentIo.HIDDEN_IN, previous);
          seg.putStepInputs(in, seqlens, total, positions);
          Map<String, OnnxValue> out = new HashMap<>(kvOut);
          boolean head = seg.spec().head();
          OnnxTensor y =
              b.own(
                  OnnxTensor.createTensor(
                      env,
                      buffers.output(i, count),
                      head
                          ? new long[] {count, config.vocabSize()}
                          : new long[] {count, 1, config.dim()}));
          out.put(head ? SegmentIo.LOGITS : SegmentIo.HIDDEN_OUT, y);
          b.inputs.add(in);
          b.outputs.add(out);
          previous = y;
        }
      }
      return b;
    } catch (OrtException e) {
      b.close();
      throw new EngineException("cannot bind a batch of " + count, e);
    }
  }

  private FloatBuffer view(ByteBuffer all, int first, int count) {
    ByteBuffer d = all.duplicate().order(ByteOrder.nativeOrder());
    d.position((int) (first * slotFloats * Float.BYTES));
    d.limit((int) ((first + count) * slotFloats * Float.BYTES));
    return d.slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static ByteBuffer direct(long bytes) {
    return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
  }

  private static long[] range(int from, int count) {
    long[] r = new long[count];
    for (int i = 0; i < count; i++) {
      r[i] = from + i;
    }
    return r;
  }

  @Override
  public void close() {
    bindings.values().forEach(Binding::close);
    slotBindings.values().forEach(Binding::close);
    bindings.clear();
    slotBindings.clear();
    segments.forEach(Segment::close);
  }

  /** The tensors of one batch size or one slot. */
  private static final class Binding implements AutoCloseable {
    final List<Map<String, OnnxTensorLike>> kvInputs = new ArrayList<>();
    final List<Map<String, OnnxValue>> kvOutputs = new ArrayList<>();
    final List<Map<String, OnnxTensorLike>> inputs = new ArrayList<>();
    final List<Map<String, OnnxValue>> outputs = new ArrayList<>();
    private final List<OnnxTensor> owned = new ArrayList<>();

    OnnxTensor own(OnnxTensor t) {
      owned.add(t);
      return t;
    }

    @Override
    public void close() {
      owned.forEach(OnnxTensor::close);
      owned.clear();
    }
  }
}
