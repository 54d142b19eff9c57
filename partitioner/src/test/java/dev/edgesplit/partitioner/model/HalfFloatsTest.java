package dev.edgesplit.partitioner.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {

  @Test
  void f16_knownValues() {
    assertThat(HalfFloats.floatToHalf(1f)).isEqualTo((short) 0x3c00);
    assertThat(HalfFloats.floatToHalf(-2f)).isEqualTo((short) 0xc000);
    assertThat(HalfFloats.floatToHalf(65504f)).isEqualTo((short) 0x7bff);
    assertThat(HalfFloats.floatToHalf(65519f)).isEqualTo((short) 0x7bff);
    assertThat(HalfFloats.floatToHalf(65520f)).isEqualTo((short) 0x7c00);
    assertThat(HalfFloats.floatToHalf(0x1p-24f)).isEqualTo((short) 1);
    assertThat(HalfFloats.floatToHalf(0x1p-25f)).isEqualTo((short) 0);
    assertThat(HalfFloats.floatToHalf(0x1.8p-25f)).isEqualTo((short) 1);
    assertThat(HalfFloats.floatToHalf(Float.NaN)).isEqualTo((short) 0x7e00);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1); 1 + 3*2^-11 ties up to 1 +
    // 2^-9.
    assertThat(HalfFloats.floatToHalf(1f + 0x1p-11f)).isEqualTo((short) 0x3c00);
    assertThat(HalfFloats.floatToHalf(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02);
    assertThat(HalfFloats.halfToFloat((short) 0x3555)).isEqualTo(0.333251953125f);
    assertThat(HalfFloats.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
    assertThat(HalfFloats.halfToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
  }

  @Test
  void f16_everyNonNanValueRoundTrips() {
    for (int h = 0; h < 0x10000; h++) {
      float f = HalfFloats.halfToFloat((short) h);
      if (!Float.isNaN(f)) {
        assertThat(HalfFloats.floatToHalf(f) & 0xffff).as("0x%04x", h).isEqualTo(h);
      }
    }
  }

  @Test
  void bf16_knownValuesAndRoundTrip() {
    assertThat(HalfFloats.floatToBf16(1f)).isEqualTo((short) 0x3f80);
    // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties to even.
    assertThat(HalfFloats.floatToBf16(1f + 0x1p-8f)).isEqualTo((short) 0x3f80);
    assertThat(HalfFloats.floatToBf16(1f + 0x1.8p-8f)).isEqualTo((short) 0x3f81);
    assertThat(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN)))).isTrue();
    for (int h = 0; h < 0x10000; h++) {
      float f = HalfFloats.bf16ToFloat((short) h);
      if (!Float.isNaN(f)) {
        assertThat(HalfFloats.floatToBf16(f) & 0xffff).isEqualTo(h);
      }
    }
  }
}
