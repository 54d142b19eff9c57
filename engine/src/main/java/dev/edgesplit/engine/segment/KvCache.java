package dev.edgesplit.engine.segment;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.edgesplit.engine.EngineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * The keys and values of one segment's layers for one session: a direct buffer per layer and
 * tensor, {@code [1, nKvHeads, maxContext, headSize]}, passed to ONNX Runtime both as {@code
 * past_*} input and as pinned {@code present_*} output so GroupQueryAttention appends in place.
 */
final class KvCache implements AutoCloseable {

  private final Map<String, OnnxTensor> past = new HashMap<>();
  private final Map<String, OnnxTensor> present = new HashMap<>();
  private final long bytes;
  private boolean closed;

  KvCache(OrtEnvironment env, SegmentSpec spec, int kvHeads, int maxContext, int headSize) {
    long[] shape = {1, kvHeads, maxContext, headSize};
    long perTensor = (long) kvHeads * maxContext * headSize * Float.BYTES;
    if (perTensor > Integer.MAX_VALUE) {
      throw new EngineException(
          "a KV tensor of " + perTensor + " bytes is too large; lower the context");
    }
    try {
      for (int layer = spec.firstLayer(); layer < spec.endLayer(); layer++) {
        OnnxTensor k = tensor(env, (int) perTensor, shape);
        OnnxTensor v = tensor(env, (int) perTensor, shape);
        past.put(SegmentIo.pastKey(layer), k);
        past.put(SegmentIo.pastValue(layer), v);
        present.put(SegmentIo.presentKey(layer), k);
        present.put(SegmentIo.presentValue(layer), v);
      }
    } catch (OrtException e) {
      close();
      throw new EngineException("cannot allocate KV cache", e);
    }
    this.bytes = perTensor * 2 * spec.layers();
  }

  private static OnnxTensor tensor(OrtEnvironment env, int bytes, long[] shape)
      throws OrtException {
    ByteBuffer buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    return OnnxTensor.createTensor(env, buf.asFloatBuffer(), shape);
  }

  Map<String, OnnxTensor> inputs() {
    return past;
  }

  Map<String, OnnxTensor> pinnedOutputs() {
    return present;
  }

  long bytes() {
    return bytes;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      past.values().forEach(OnnxTensor::close);
    }
  }
}
