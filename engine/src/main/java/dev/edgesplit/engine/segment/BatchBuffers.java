package dev.edgesplit.engine.segment;

import dev.edgesplit.engine.model.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The direct buffers behind a batched decode step, sized for the largest batch; views give smaller
 * ones.
 */
final class BatchBuffers {

  final FloatBuffer hidden; // [maxBatch, 1, d]
  final IntBuffer seqlens; // [maxBatch]
  final LongBuffer positions; // [maxBatch, 1]
  final IntBuffer total; // []
  private final List<FloatBuffer> outputs =
      new ArrayList<>(); // per segment: [maxBatch, d] or [maxBatch, vocab]

  BatchBuffers(int maxBatch, ModelConfig config, List<Segment> segments) {
    hidden = direct(maxBatch * config.dim() * 4).asFloatBuffer();
    seqlens = direct(maxBatch * 4).asIntBuffer();
    positions = direct(maxBatch * 8).asLongBuffer();
    total = direct(4).asIntBuffer();
    for (Segment s : segments) {
      int width = s.spec().head() ? config.vocabSize() : config.dim();
      outputs.add(direct(maxBatch * width * 4).asFloatBuffer());
    }
  }

  /**
   * Zeroes the first {@code batch} rows: rows that do not step get zero input (the chain sets their
   * lengths).
   */
  void clear(int batch) {
    int dim = hidden.capacity() / seqlens.capacity();
    for (int i = 0; i < batch * dim; i++) {
      hidden.put(i, 0f);
    }
    for (int i = 0; i < batch; i++) {
      seqlens.put(i, 0);
      positions.put(i, 0);
    }
  }

  FloatBuffer hidden(int batch) {
    return prefix(hidden, batch * (hidden.capacity() / seqlens.capacity()));
  }

  IntBuffer seqlens(int batch) {
    IntBuffer d = seqlens.duplicate();
    d.position(0).limit(batch);
    return d.slice();
  }

  LongBuffer positions(int batch) {
    LongBuffer d = positions.duplicate();
    d.position(0).limit(batch);
    return d.slice();
  }

  FloatBuffer output(int segment, int batch) {
    FloatBuffer all = outputs.get(segment);
    return prefix(all, batch * (all.capacity() / seqlens.capacity()));
  }

  /** The last segment's output: logits (or, without the head, hidden states) of every row. */
  FloatBuffer lastOutput() {
    return outputs.get(outputs.size() - 1).duplicate();
  }

  private static FloatBuffer prefix(FloatBuffer all, int length) {
    FloatBuffer d = all.duplicate();
    d.position(0).limit(length);
    return d.slice();
  }

  private static ByteBuffer direct(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }
}
