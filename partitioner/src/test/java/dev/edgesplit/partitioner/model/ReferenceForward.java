package dev.edgesplit.partitioner.model;

import dev.edgesplit.engine.model.ModelConfig;

/**
 * A plain-Java, one-token-at-a-time forward pass over {@link ModelWeights}, used by these tests to show
 * that imported weights compute what the reference does (greedy text) and that synthetic weights stay finite.
 */
final class ReferenceForward {

  private final ModelWeights w;
  private final ModelConfig c;
  private final float[][] keyCache;
  private final float[][] valueCache;

  ReferenceForward(ModelWeights w, int maxPositions) {
    this.w = w;
    this.c = w.config();
    keyCache = new float[c.nLayers()][maxPositions * c.kvDim()];
    valueCache = new float[c.nLayers()][maxPositions * c.kvDim()];
  }

  /** Logits for {@code token} at {@code pos}; earlier positions must have been run. */
  float[] step(int token, int pos) {
    int d = c.dim();
    int hs = c.headSize();
    int kvDim = c.kvDim();
    float[] x = new float[d];
    System.arraycopy(w.tensor("tok_embeddings").data(), token * d, x, 0, d);
    for (int l = 0; l < c.nLayers(); l++) {
      float[] xn = rmsNorm(x, w.layer(l, "attention_norm").data());
      float[] q = matVec(w.layer(l, "wq").data(), xn, c.nHeads() * hs);
      float[] k = matVec(w.layer(l, "wk").data(), xn, kvDim);
      float[] v = matVec(w.layer(l, "wv").data(), xn, kvDim);
      if (c.attentionBias()) {
        add(q, w.layer(l, "bq").data());
        add(k, w.layer(l, "bk").data());
        add(v, w.layer(l, "bv").data());
      }
      rope(q, pos);
      rope(k, pos);
      System.arraycopy(k, 0, keyCache[l], pos * kvDim, kvDim);
      System.arraycopy(v, 0, valueCache[l], pos * kvDim, kvDim);
      float[] att = new float[c.nHeads() * hs];
      int group = c.nHeads() / c.nKvHeads();
      for (int h = 0; h < c.nHeads(); h++) {
        int kvOff = (h / group) * hs;
        float[] scores = new float[pos + 1];
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t <= pos; t++) {
          float s = 0;
          for (int i = 0; i < hs; i++) {
            s += q[h * hs + i] * keyCache[l][t * kvDim + kvOff + i];
          }
          scores[t] = s / (float) Math.sqrt(hs);
          max = Math.max(max, scores[t]);
        }
        float sum = 0;
        for (int t = 0; t <= pos; t++) {
          scores[t] = (float) Math.exp(scores[t] - max);
          sum += scores[t];
        }
        for (int t = 0; t <= pos; t++) {
          float a = scores[t] / sum;
          for (int i = 0; i < hs; i++) {
            att[h * hs + i] += a * valueCache[l][t * kvDim + kvOff + i];
          }
        }
      }
      add(x, matVec(w.layer(l, "wo").data(), att, d));
      float[] xf = rmsNorm(x, w.layer(l, "ffn_norm").data());
      float[] gate = matVec(w.layer(l, "w1").data(), xf, c.hiddenDim());
      float[] up = matVec(w.layer(l, "w3").data(), xf, c.hiddenDim());
      for (int i = 0; i < gate.length; i++) {
        float g = gate[i];
        gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
      }
      add(x, matVec(w.layer(l, "w2").data(), gate, d));
    }
    float[] xn = rmsNorm(x, w.tensor("norm").data());
    return matVec(w.lmHead().data(), xn, c.vocabSize());
  }

  private void rope(float[] vec, int pos) {
    int hs = c.headSize();
    for (int h = 0; h < vec.length / hs; h++) {
      for (int j = 0; j < hs / 2; j++) {
        double freq = Math.pow(c.ropeTheta(), -2.0 * j / hs);
        float cos = (float) Math.cos(pos * freq);
        float sin = (float) Math.sin(pos * freq);
        int a = h * hs + (c.ropeInterleaved() ? 2 * j : j);
        int b = h * hs + (c.ropeInterleaved() ? 2 * j + 1 : j + hs / 2);
        float va = vec[a];
        float vb = vec[b];
        vec[a] = va * cos - vb * sin;
        vec[b] = va * sin + vb * cos;
      }
    }
  }

  private float[] rmsNorm(float[] x, float[] weight) {
    float ss = 0;
    for (float v : x) {
      ss += v * v;
    }
    float scale = 1f / (float) Math.sqrt(ss / x.length + c.normEps());
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * scale * weight[i];
    }
    return out;
  }

  private static float[] matVec(float[] m, float[] x, int rows) {
    int cols = x.length;
    float[] out = new float[rows];
    for (int r = 0; r < rows; r++) {
      float s = 0;
      int base = r * cols;
      for (int i = 0; i < cols; i++) {
        s += m[base + i] * x[i];
      }
      out[r] = s;
    }
    return out;
  }

  private static void add(float[] x, float[] y) {
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
