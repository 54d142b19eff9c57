package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.model.SyntheticModels;
import org.junit.jupiter.api.Test;

class WeightTrafficTest {

  @Test
  void smollm2Int4_readsAbout86MegabytesPerToken() {
    WeightTraffic t =
        new WeightTraffic(SyntheticModels.config("smollm2-135m"), WeightFormat.INT4, 32);
    // 0.5 byte + a 4-byte scale and a half-byte zero point per 32 weights
    assertThat(t.bytesPerParameter()).isEqualTo(0.5 + 4.0 / 32 + 0.5 / 32);
    long projections = 2L * 576 * 576 + 2L * 576 * 192 + 3L * 576 * 1536;
    assertThat(t.layerBytes()).isCloseTo(projections * 0.640625 + 2 * 576 * 4, within(1e-6));
    double expected = 576 * 4 + 30 * t.layerBytes() + 49152.0 * 576 * 0.640625 + 576 * 4;
    assertThat(t.perToken()).isCloseTo(expected, within(1e-3));
    assertThat(t.perToken() / 1e6).isBetween(86.0, 87.0);
  }

  @Test
  void fp32_isFourBytesPerParameter() {
    assertThat(
            new WeightTraffic(SyntheticModels.config("tiny"), WeightFormat.FP32, 32)
                .bytesPerParameter())
        .isEqualTo(4.0);
  }
}
