package dev.edgesplit.partitioner.model;

import dev.edgesplit.engine.model.ModelConfig;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@link ModelWeights} as a legacy llama2.c "v0" fp32 checkpoint, readable by llama2.c's
 * run.c and by {@link Llama2cImporter}. For tests and tools (saving synthetic models).
 *
 * <p>The format stores neither RoPE theta, nor the norm epsilon, nor biases, and its wq/wk rows use
 * interleaved RoPE: models with theta other than 10000, epsilon other than 1e-5 or attention biases
 * are refused; rotate-half (Hugging Face) projections are permuted to interleaved order. Stateless.
 */
public final class Llama2cWriter {

  private Llama2cWriter() {}

  /**
   * Writes {@code model} to {@code file} (created or replaced).
   *
   * @throws IllegalArgumentException if the model cannot be represented in this format
   */
  public static void write(ModelWeights model, Path file) {
    ModelConfig c = model.config();
    if (c.ropeTheta() != 10000f || c.normEps() != 1e-5f || c.attentionBias()) {
      throw new IllegalArgumentException(
          "llama2.c v0 cannot store ropeTheta "
              + c.ropeTheta()
              + ", normEps "
              + c.normEps()
              + ", attentionBias "
              + c.attentionBias()
              + " (it implies 10000, 1e-5, false)");
    }
    CanonicalLayout.check(c, model.tensors(), "model " + c.architecture());
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      ByteBuffer header =
          ByteBuffer.allocate(Llama2cImporter.HEADER_V0_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      header
          .putInt(c.dim())
          .putInt(c.hiddenDim())
          .putInt(c.nLayers())
          .putInt(c.nHeads())
          .putInt(c.nKvHeads())
          .putInt(c.tiedEmbeddings() ? c.vocabSize() : -c.vocabSize())
          .putInt(c.maxSeqLen());
      out.write(header.array());
      writeFloats(out, model.tensor("tok_embeddings").data());
      for (String kind :
          new String[] {"attention_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w1", "w2", "w3"}) {
        for (int i = 0; i < c.nLayers(); i++) {
          FloatTensor t = model.layer(i, kind);
          if (!c.ropeInterleaved() && (kind.equals("wq") || kind.equals("wk"))) {
            t = RopeLayout.halvesToInterleaved(t, c.headSize());
          }
          writeFloats(out, t.data());
        }
      }
      writeFloats(out, model.tensor("norm").data());
      writeFloats(out, ropeTable(c, true));
      writeFloats(out, ropeTable(c, false));
      if (!c.tiedEmbeddings()) {
        writeFloats(out, model.tensor("output").data());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": write failed", e);
    }
  }

  /** llama2.c's freq_cis_real (cos) or freq_cis_imag (sin) table, [seq_len, head_size/2]. */
  private static float[] ropeTable(ModelConfig c, boolean cos) {
    int half = c.headSize() / 2;
    float[] table = new float[c.maxSeqLen() * half];
    for (int pos = 0; pos < c.maxSeqLen(); pos++) {
      for (int j = 0; j < half; j++) {
        double freq = Math.pow(c.ropeTheta(), -(2.0 * j) / c.headSize());
        double angle = pos * freq;
        table[pos * half + j] = (float) (cos ? Math.cos(angle) : Math.sin(angle));
      }
    }
    return table;
  }

  static void writeFloats(OutputStream out, float[] values) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    int i = 0;
    while (i < values.length) {
      buf.clear();
      int n = Math.min(values.length - i, buf.capacity() / 4);
      buf.asFloatBuffer().put(values, i, n);
      out.write(buf.array(), 0, 4 * n);
      i += n;
    }
  }
}
