package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Fp16WireTest {

  @Test
  void toHalf_matchesIeeeBinary16Encodings() {
    assertThat(Fp16Wire.toHalf(1.0f)).isEqualTo((short) 0x3c00);
    assertThat(Fp16Wire.toHalf(-2.0f)).isEqualTo((short) 0xc000);
    assertThat(Fp16Wire.toHalf(65504f)).isEqualTo((short) 0x7bff);
    assertThat(Fp16Wire.toHalf(1e6f)).isEqualTo((short) 0x7c00);
    assertThat(Fp16Wire.toHalf(0.1f)).isEqualTo((short) 0x2e66);
    assertThat(Fp16Wire.toHalf(5.9604645e-8f)).isEqualTo((short) 0x0001); // smallest subnormal
    assertThat(Fp16Wire.toHalf(Float.NaN) & 0x7c00).isEqualTo(0x7c00);
    assertThat(Fp16Wire.toFloat((short) 0x0001)).isEqualTo(5.9604645e-8f);
    assertThat(Fp16Wire.toFloat((short) 0x3555)).isEqualTo(0.33325195f);
  }

  @Test
  void roundTrip_keepsHalfPrecision_forHiddenStateValues() {
    SplittableRandom random = new SplittableRandom(1);
    float[] values = new float[576];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextGaussian() * 3);
    }
    byte[] wire = new byte[2 * values.length];
    float[] back = new float[values.length];
    Fp16Wire.encode(values, wire);
    Fp16Wire.decode(wire, back);
    for (int i = 0; i < values.length; i++) {
      assertThat(Math.abs(back[i] - values[i])).isLessThanOrEqualTo(Math.abs(values[i]) / 2048 + 1e-7f);
    }
  }
}
