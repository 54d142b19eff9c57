package dev.edgesplit.partitioner.reference;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.partitioner.model.FloatTensor;
import dev.edgesplit.partitioner.model.ModelWeights;

/**
 * The model's forward pass in plain Java, one token at a time, as llama2.c computes it. It is the
 * oracle the ONNX segments are tested against; it is not fast. Not thread-safe.
 */
public final class ReferenceForward {

  private final ModelWeights model;
  private final ModelConfig cfg;
  private final int maxContext;
  private final float[][] keys; // [layer][position * kvDim]
  private final float[][] values;
  private int position;
  private ActivationObserver observer = ActivationObserver.NONE;

  public ReferenceForward(ModelWeights model, int maxContext) {
    this.model = model;
    this.cfg = model.config();
    this.maxContext = maxContext;
    this.keys = new float[cfg.nLayers()][maxContext * cfg.kvDim()];
    this.values = new float[cfg.nLayers()][maxContext * cfg.kvDim()];
  }

  /** Receives the input of every linear layer from now on. */
  public void observe(ActivationObserver observer) {
    this.observer = observer;
  }

  public int position() {
    return position;
  }

  /**
   * Feeds one token at the next position and returns the logits {@code [vocab]} for what follows
   * it.
   */
  public float[] step(int token) {
    if (position >= maxContext) {
      throw new IllegalStateException("context of " + maxContext + " is full");
    }
    int d = cfg.dim();
    float[] x = new float[d];
    System.arraycopy(model.tensor("tok_embeddings").data(), token * d, x, 0, d);
    for (int layer = 0; layer < cfg.nLayers(); layer++) {
      float[] h = rmsNorm(x, model.layer(layer, "attention_norm"));
      float[] q = linear(h, layer, "wq", "bq");
      float[] k = linear(h, layer, "wk", "bk");
      float[] v = linear(h, layer, "wv", "bv");
      rotate(q, cfg.nHeads());
      rotate(k, cfg.nKvHeads());
      System.arraycopy(k, 0, keys[layer], position * cfg.kvDim(), cfg.kvDim());
      System.arraycopy(v, 0, values[layer], position * cfg.kvDim(), cfg.kvDim());
      float[] attention = attend(q, layer);
      observer.onInput(layer, "wo", attention);
      addInPlace(x, matVec(model.layer(layer, "wo"), attention));

      float[] f = rmsNorm(x, model.layer(layer, "ffn_norm"));
      observer.onInput(layer, "w1", f);
      observer.onInput(layer, "w3", f);
      float[] gate = matVec(model.layer(layer, "w1"), f);
      float[] up = matVec(model.layer(layer, "w3"), f);
      for (int i = 0; i < gate.length; i++) {
        float g = gate[i];
        gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
      }
      observer.onInput(layer, "w2", gate);
      addInPlace(x, matVec(model.layer(layer, "w2"), gate));
    }
    position++;
    return matVec(model.lmHead(), rmsNorm(x, model.tensor("norm")));
  }

  private float[] attend(float[] q, int layer) {
    int hs = cfg.headSize();
    int group = cfg.nHeads() / cfg.nKvHeads();
    float[] out = new float[cfg.nHeads() * hs];
    float[] scores = new float[position + 1];
    double scale = 1.0 / Math.sqrt(hs);
    for (int head = 0; head < cfg.nHeads(); head++) {
      int kvOffset = (head / group) * hs;
      float max = Float.NEGATIVE_INFINITY;
      for (int t = 0; t <= position; t++) {
        double dot = 0;
        for (int i = 0; i < hs; i++) {
          dot += q[head * hs + i] * keys[layer][t * cfg.kvDim() + kvOffset + i];
        }
        scores[t] = (float) (dot * scale);
        max = Math.max(max, scores[t]);
      }
      double sum = 0;
      for (int t = 0; t <= position; t++) {
        scores[t] = (float) Math.exp(scores[t] - max);
        sum += scores[t];
      }
      for (int t = 0; t <= position; t++) {
        float w = (float) (scores[t] / sum);
        for (int i = 0; i < hs; i++) {
          out[head * hs + i] += w * values[layer][t * cfg.kvDim() + kvOffset + i];
        }
      }
    }
    return out;
  }

  /** RoPE on each head: adjacent pairs (llama2.c) or the two halves (Hugging Face). */
  private void rotate(float[] vec, int heads) {
    int hs = cfg.headSize();
    for (int head = 0; head < heads; head++) {
      for (int i = 0; i < hs / 2; i++) {
        double angle = position * cfg.ropeFrequency(i);
        float cos = (float) Math.cos(angle);
        float sin = (float) Math.sin(angle);
        int a = head * hs + (cfg.ropeInterleaved() ? 2 * i : i);
        int b = head * hs + (cfg.ropeInterleaved() ? 2 * i + 1 : i + hs / 2);
        float va = vec[a];
        float vb = vec[b];
        vec[a] = va * cos - vb * sin;
        vec[b] = va * sin + vb * cos;
      }
    }
  }

  private float[] rmsNorm(float[] x, FloatTensor weight) {
    double ss = 0;
    for (float v : x) {
      ss += v * v;
    }
    float inv = (float) (1.0 / Math.sqrt(ss / x.length + cfg.normEps()));
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * inv * weight.data()[i];
    }
    return out;
  }

  private float[] linear(float[] x, int layer, String weight, String bias) {
    observer.onInput(layer, weight, x);
    float[] y = matVec(model.layer(layer, weight), x);
    if (cfg.attentionBias()) {
      addInPlace(y, model.layer(layer, bias).data());
    }
    return y;
  }

  /** y = W x for W {@code [out, in]}. */
  private static float[] matVec(FloatTensor w, float[] x) {
    int rows = w.rows();
    int cols = w.cols();
    float[] data = w.data();
    float[] y = new float[rows];
    for (int r = 0; r < rows; r++) {
      double acc = 0;
      int base = r * cols;
      for (int c = 0; c < cols; c++) {
        acc += data[base + c] * x[c];
      }
      y[r] = (float) acc;
    }
    return y;
  }

  private static void addInPlace(float[] x, float[] y) {
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
  }
}
