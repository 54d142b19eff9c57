package dev.edgesplit.partitioner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.partitioner.reference.ReferenceForward;
import org.junit.jupiter.api.Test;

class SyntheticModelsTest {

  @Test
  void namedShapes_haveTheRealModelsDimensions() {
    ModelConfig smol = SyntheticModels.config("smollm2-135m");
    assertThat(smol)
        .isEqualTo(
            new ModelConfig(
                "synthetic-smollm2-135m",
                576,
                1536,
                30,
                9,
                3,
                49152,
                8192,
                100000f,
                1e-5f,
                false,
                true,
                false));
    assertThat(CanonicalLayout.parameterCount(smol)).isEqualTo(134_515_008L);
    ModelConfig tl = SyntheticModels.config("tinyllama-1.1b");
    assertThat(tl.tiedEmbeddings()).isFalse();
    assertThat(CanonicalLayout.parameterCount(tl)).isEqualTo(1_100_048_384L);
    ModelConfig l3 = SyntheticModels.config("llama-3.2-1b");
    assertThat(l3.maxSeqLen()).isEqualTo(131072);
    assertThat(l3.ropeTheta()).isEqualTo(500000f);
    assertThat(CanonicalLayout.parameterCount(l3)).isEqualTo(1_235_814_400L);
    assertThat(SyntheticModels.config("llama-3.2-1b", 4096).maxSeqLen()).isEqualTo(4096);
    assertThat(SyntheticModels.config("tiny").headSize()).isEqualTo(16);
    assertThatThrownBy(() -> SyntheticModels.config("gpt-5")).hasMessageContaining("tiny");
  }

  @Test
  void generation_isDeterministicPerSeed() {
    ModelWeights a = SyntheticModels.generate("tiny", 42);
    ModelWeights b = SyntheticModels.generate("tiny", 42);
    ModelWeights c = SyntheticModels.generate("tiny", 43);

    Llama2cImporterTest.assertSameTensors(a, b);
    assertThat(a.fingerprint())
        .isEqualTo(b.fingerprint())
        .isNotEqualTo(c.fingerprint())
        .hasSize(64);
    assertThat(a.layer(1, "wq").data()).isNotEqualTo(c.layer(1, "wq").data());
    // Distinct tensors of the same shape get distinct streams.
    assertThat(a.layer(0, "w1").data()).isNotEqualTo(a.layer(0, "w3").data());
    assertThat(SyntheticModels.generate("tiny", 42, 64).fingerprint())
        .isNotEqualTo(a.fingerprint());
  }

  @Test
  void tinyForwardPass_staysFiniteWithSpreadLogits() {
    assertHealthyForward(SyntheticModels.generate("tiny", 5), 16);
  }

  @Test
  void smollm2Shape_generatesInSeconds_andStaysFiniteThroughAll30Layers() {
    long t0 = System.nanoTime();
    ModelWeights m = SyntheticModels.generate("smollm2-135m", 1, 512);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("synthetic smollm2-135m (134.5M floats) generated in %.2f s%n", seconds);
    assertThat(seconds).isLessThan(20);
    float[] emb = m.tensor("tok_embeddings").data();
    double ss = 0;
    for (float v : emb) {
      ss += v * v;
    }
    assertThat(Math.sqrt(ss / emb.length))
        .isCloseTo(1 / Math.sqrt(576), org.assertj.core.data.Offset.offset(1e-3));
    assertHealthyForward(m, 3);
  }

  private static void assertHealthyForward(ModelWeights m, int steps) {
    ReferenceForward f = new ReferenceForward(m, steps);
    int token = 1;
    java.util.Set<Integer> predicted = new java.util.HashSet<>();
    for (int pos = 0; pos < steps; pos++) {
      float[] logits = f.step(token);
      double mean = 0;
      for (float v : logits) {
        assertThat(Float.isFinite(v)).isTrue();
        mean += v;
      }
      mean /= logits.length;
      double var = 0;
      for (float v : logits) {
        var += (v - mean) * (v - mean);
      }
      double std = Math.sqrt(var / logits.length);
      assertThat(std).as("logit std at pos %d", pos).isBetween(0.1, 10.0);
      token = (token * 31 + 7) % m.config().vocabSize();
      predicted.add(Sampler.argmax(logits));
    }
    // Different inputs lead to different predictions: the model is not collapsed onto one token.
    assertThat(predicted).hasSizeGreaterThan(Math.min(steps, 3) - 1);
  }
}
