package dev.edgesplit.proto.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfTest {

  @Test
  void everyHalfValue_roundTripsThroughFloat() {
    for (int bits = 0; bits <= 0xffff; bits++) {
      short half = (short) bits;
      float f = Half.toFloat(half);
      if (Float.isNaN(f)) {
        assertThat(Half.isNonFinite(Half.fromFloat(f))).isTrue();
        continue;
      }
      assertThat(Half.fromFloat(f)).as("bits %04x", bits).isEqualTo(half);
    }
  }

  @Test
  void knownValues_matchIeee754() {
    assertThat(Half.fromFloat(1f)).isEqualTo((short) 0x3c00);
    assertThat(Half.fromFloat(-2f)).isEqualTo((short) 0xc000);
    assertThat(Half.fromFloat(65504f)).isEqualTo((short) 0x7bff);
    assertThat(Half.fromFloat(65520f)).isEqualTo((short) 0x7c00); // rounds up to infinity
    assertThat(Half.fromFloat(0x1p-24f)).isEqualTo((short) 0x0001); // smallest subnormal
    assertThat(Half.fromFloat(0x1p-25f)).isEqualTo((short) 0x0000); // tie goes to even (zero)
    assertThat(Half.toFloat((short) 0x3555)).isEqualTo(0.33325195f);
  }

  @Test
  void fromFloat_roundsToNearestEven() {
    // 1 + 2^-11 lies exactly between 1 and 1 + 2^-10: ties to the even mantissa (1.0).
    assertThat(Half.fromFloat(1f + 0x1p-11f)).isEqualTo((short) 0x3c00);
    // 1 + 3 * 2^-11 lies between 1 + 2^-10 (odd) and 1 + 2^-9 (even): rounds up.
    assertThat(Half.fromFloat(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02);
  }
}
