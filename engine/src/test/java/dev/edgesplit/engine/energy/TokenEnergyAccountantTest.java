package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenEnergyAccountantTest {

  /** A meter whose cumulative joules the test sets. */
  private static final class ScriptedMeter implements EnergyMeter {
    private final EnergySource source = new EnergySource("test", "scripted", true);
    double joules;

    @Override
    public EnergyReading read() {
      return new EnergyReading(joules, Instant.EPOCH, source);
    }

    @Override
    public EnergySource source() {
      return source;
    }

    @Override
    public void close() {}
  }

  @Test
  void edge_eachStepGetsTheJoulesBetweenItsBeginAndEnd_idleIsUnattributed() {
    ScriptedMeter meter = new ScriptedMeter();
    meter.joules = 1.0;
    TokenEnergyAccountant acc = new TokenEnergyAccountant(meter);
    meter.joules = 1.5; // idle before the first step
    acc.begin("s", 0);
    meter.joules = 3.5;
    TokenEnergy t0 = acc.end("s", 0);
    meter.joules = 4.0; // waiting for the cloud
    acc.begin("s", 1);
    meter.joules = 5.25;
    TokenEnergy t1 = acc.end("s", 1);
    assertThat(t0.joules()).isCloseTo(2.0, within(1e-12));
    assertThat(t1.joules()).isCloseTo(1.25, within(1e-12));
    assertThat(t1.tokenIndex()).isEqualTo(1);
    assertThat(t1.source().kind()).isEqualTo("test");
    assertThat(acc.unattributedJoules()).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void cloud_overlappingStepsSplitSharedIntervalsEqually() {
    ScriptedMeter meter = new ScriptedMeter();
    TokenEnergyAccountant acc = new TokenEnergyAccountant(meter);
    acc.begin("a", 7);
    meter.joules = 10; // a alone: 10
    acc.begin("b", 3);
    meter.joules = 16; // a and b: 3 each
    TokenEnergy a = acc.end("a", 7);
    meter.joules = 20; // b alone: 4
    TokenEnergy b = acc.end("b", 3);
    assertThat(a.joules()).isCloseTo(13.0, within(1e-12));
    assertThat(b.joules()).isCloseTo(7.0, within(1e-12));
    assertThat(a.joules() + b.joules() + acc.unattributedJoules()).isCloseTo(20.0, within(1e-12));
  }

  @Test
  void cloud_sharesFollowStepWeight() {
    ScriptedMeter meter = new ScriptedMeter();
    TokenEnergyAccountant acc = new TokenEnergyAccountant(meter);
    acc.begin("decode", 40, 1.0);
    acc.begin("prefill", 0, 3.0); // a 3-position prefill chunk batched with one decode step
    meter.joules = 8;
    assertThat(acc.end("decode", 40).joules()).isCloseTo(2.0, within(1e-12));
    assertThat(acc.end("prefill", 0).joules()).isCloseTo(6.0, within(1e-12));
  }

  @Test
  void abandon_movesJoulesToUnattributed_andMisuseIsRejected() {
    ScriptedMeter meter = new ScriptedMeter();
    TokenEnergyAccountant acc = new TokenEnergyAccountant(meter);
    acc.begin("a", 0);
    assertThatThrownBy(() -> acc.begin("a", 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> acc.end("a", 5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("running: 0");
    assertThatThrownBy(() -> acc.end("zz", 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> acc.begin("b", 0, 0)).isInstanceOf(IllegalArgumentException.class);
    meter.joules = 2;
    acc.abandon("a");
    assertThat(acc.unattributedJoules()).isCloseTo(2.0, within(1e-12));
  }
}
