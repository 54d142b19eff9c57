package dev.edgesplit.planner.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinkEstimatorTest {

  /** A link of 20 ms RTT and 8 Mbit/s (1 byte per microsecond). */
  private static TransferSample link(long bytes) {
    return new TransferSample(bytes, 0.020 + bytes / 1e6);
  }

  private static List<TransferSample> probes() {
    return List.of(link(128), link(128), link(4096), link(65_536), link(262_144));
  }

  @Test
  void fit_takesRttFromInterceptAndBandwidthFromSlope() {
    LinkEstimate e = LinkEstimator.fit(probes());
    assertThat(e.rttMillis()).isCloseTo(20.0, within(1e-6));
    assertThat(e.bandwidthBitsPerSecond()).isCloseTo(8e6, within(1e-3));
    assertThat(e.samples()).isEqualTo(5);
    assertThat(e.roundTripMillis(1000)).isCloseTo(21.0, within(1e-6));
  }

  @Test
  void fit_usesPerSizeMedian_soOneDelayedProbeDoesNotSkewTheLine() {
    List<TransferSample> samples = new ArrayList<>(probes());
    samples.add(link(128));
    samples.add(new TransferSample(128, 0.500)); // one probe stuck behind something else
    LinkEstimate e = LinkEstimator.fit(samples);
    assertThat(e.rttMillis()).isCloseTo(20.0, within(1e-6));
    assertThat(e.bandwidthBitsPerSecond()).isCloseTo(8e6, within(1e-3));
  }

  @Test
  void fit_needsTwoFrameSizes() {
    assertThatThrownBy(() -> LinkEstimator.fit(List.of(link(128), link(128))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two frame sizes");
  }

  @Test
  void fit_capsBandwidth_whenTransferTimeIsUnresolvable() {
    LinkEstimate e =
        LinkEstimator.fit(
            List.of(new TransferSample(100, 0.001), new TransferSample(10_000, 0.001)));
    assertThat(e.bandwidthBitsPerSecond()).isEqualTo(LinkEstimator.MAX_BANDWIDTH_BITS_PER_SECOND);
    assertThat(e.rttMillis()).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void observe_smallLiveFramesMoveRttOnly_andDriftIsDetected() {
    LinkEstimator est = new LinkEstimator(0.2, 0.25);
    est.calibrate(probes());
    for (int i = 0; i < 3; i++) {
      est.observe(new TransferSample(128, 0.020 + 128 / 1e6));
    }
    assertThat(est.drifted()).isFalse();
    for (int i = 0; i < 60; i++) {
      est.observe(new TransferSample(128, 0.050 + 128 / 1e6)); // RTT rose to 50 ms
    }
    LinkEstimate e = est.current();
    assertThat(e.rttMillis()).isCloseTo(50.0, within(0.01));
    assertThat(e.bandwidthBitsPerSecond()).isEqualTo(8e6);
    assertThat(e.samples()).isEqualTo(5 + 63);
    assertThat(est.drifted()).isTrue();
    est.rebaseline();
    assertThat(est.drifted()).isFalse();
    assertThat(est.baseline()).isEqualTo(e);
  }

  @Test
  void observe_largeLiveFramesMoveBandwidth() {
    LinkEstimator est = new LinkEstimator(0.3, 0.25);
    est.calibrate(probes());
    for (int i = 0; i < 60; i++) {
      est.observe(
          new TransferSample(1_000_000, 0.020 + 1_000_000 / 0.5e6)); // bandwidth halved to 4 Mbit/s
    }
    LinkEstimate e = est.current();
    assertThat(e.bandwidthBitsPerSecond()).isCloseTo(4e6, within(1.0));
    assertThat(e.rttMillis()).isCloseTo(20.0, within(1e-6));
    assertThat(est.drifted()).isTrue();
  }

  @Test
  void estimator_requiresCalibration_andValidatesParameters() {
    LinkEstimator est = new LinkEstimator(0.1, 0.2);
    assertThatThrownBy(est::current)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("probe");
    assertThatThrownBy(() -> est.observe(link(1))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new LinkEstimator(0, 0.2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LinkEstimate(-1, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TransferSample(-1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
