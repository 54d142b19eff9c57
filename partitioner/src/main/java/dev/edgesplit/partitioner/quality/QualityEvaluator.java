package dev.edgesplit.partitioner.quality;

import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SamplingParams;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;

/**
 * Compares a split whose edge layers are quantized with the fp32 model, position by position, on
 * sequences the fp32 model samples itself (temperature 1, seeded): both models read the same tokens
 * (teacher forcing), so every position is a fair comparison of next-token distributions.
 */
public final class QualityEvaluator {

  private final CompiledModel compiled;
  private final CompiledModel reference;
  private final RuntimeOptions runtime;

  /**
   * {@code compiled} must hold fp32 layers everywhere and quantized edge layers (a per-layer
   * build).
   */
  public QualityEvaluator(CompiledModel compiled, RuntimeOptions runtime) {
    this(compiled, compiled, runtime);
  }

  /**
   * Compares {@code compiled}'s split against another model's fp32 layers, e.g. a Q8_0 GGUF against
   * the F32 file of the same weights; both need the same vocabulary. {@code reference} must hold
   * fp32 layers everywhere (a per-layer build).
   */
  public QualityEvaluator(CompiledModel compiled, CompiledModel reference, RuntimeOptions runtime) {
    if (reference.config().vocabSize() != compiled.config().vocabSize()) {
      throw new IllegalArgumentException(
          "the reference has "
              + reference.config().vocabSize()
              + " tokens, the model "
              + compiled.config().vocabSize()
              + ": they are not the same model");
    }
    this.compiled = compiled;
    this.reference = reference;
    this.runtime = runtime;
  }

  public QualityReport evaluate(int cut, int sequences, int length, int bos) {
    int vocab = compiled.config().vocabSize();
    int compared = 0;
    int agree = 0;
    double klSum = 0;
    double klMax = 0;
    try (SegmentChain reference = this.reference.openWhole(WeightFormat.FP32, runtime);
        SegmentChain edge = compiled.openEdge(cut, runtime);
        SegmentChain cloud = compiled.openCloud(cut, runtime)) {
      int steps = Math.min(length, reference.maxContext());
      for (int s = 0; s < sequences; s++) {
        Sampler sampler = new Sampler(new SamplingParams(1f, 0, 1f, 1000L + s), vocab);
        try (ChainState ref = reference.newState();
            ChainState e = edge.newState();
            ChainState c = cloud.newState()) {
          int token = bos;
          for (int pos = 0; pos < steps; pos++) {
            int[] in = {token};
            float[] p = reference.forwardTokens(ref, in);
            float[] q = cloud.forwardHidden(c, edge.forwardTokens(e, in), 1);
            agree += Sampler.argmax(p) == Sampler.argmax(q) ? 1 : 0;
            double kl = klDivergence(p, q);
            klSum += kl;
            klMax = Math.max(klMax, kl);
            compared++;
            token = sampler.sample(p, pos + 1);
          }
        }
      }
    }
    return new QualityReport(
        compiled.manifest().edgeWeights(),
        cut,
        compared,
        (double) agree / compared,
        klSum / compared,
        klMax);
  }

  /** KL(softmax(p) || softmax(q)) in nats. */
  static double klDivergence(float[] p, float[] q) {
    double[] lp = logSoftmax(p);
    double[] lq = logSoftmax(q);
    double kl = 0;
    for (int i = 0; i < p.length; i++) {
      kl += Math.exp(lp[i]) * (lp[i] - lq[i]);
    }
    return Math.max(0, kl);
  }

  private static double[] logSoftmax(float[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : x) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : x) {
      sum += Math.exp(v - max);
    }
    double log = max + Math.log(sum);
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] - log;
    }
    return out;
  }
}
