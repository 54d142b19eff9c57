package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgesplit.engine.link.LinkEstimate;
import org.junit.jupiter.api.Test;

class PlanCommandTest {

  private static double decodeFrameMs(LinkEstimate link, long bytes) {
    return link.rttMillis() + bytes * 8 / link.bandwidthBitsPerSecond() * 1000;
  }

  @Test
  void liveSteps_slowerThanTheProbe_raiseTheRttAndKeepTheBandwidth() {
    LinkEstimate probed = new LinkEstimate(5, 10e6, 15);

    LinkEstimate refined = PlanCommand.refinedByLive(probed, 7.5, 1152, 100);

    assertThat(refined.bandwidthBitsPerSecond()).isEqualTo(10e6);
    assertThat(refined.rttMillis()).isCloseTo(7.5 - 0.9216, within(1e-9));
    assertThat(decodeFrameMs(refined, 1152)).isCloseTo(7.5, within(1e-9));
    assertThat(refined.samples()).isEqualTo(115);
  }

  @Test
  void liveSteps_fasterThanTheFrameOverTheProbedRate_areAllLatencyAtTheRateTheySaw() {
    // 1152 B at 1 Mbit/s would take 9.2 ms; a token bucket with room let the frames through in 6 ms.
    LinkEstimate probed = new LinkEstimate(2, 1e6, 15);

    LinkEstimate refined = PlanCommand.refinedByLive(probed, 6.0, 1152, 100);

    assertThat(refined.rttMillis()).isZero();
    assertThat(decodeFrameMs(refined, 1152)).isCloseTo(6.0, within(1e-9));
  }
}
