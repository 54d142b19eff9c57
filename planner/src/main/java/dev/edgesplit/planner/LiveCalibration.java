package dev.edgesplit.planner;

import dev.edgesplit.planner.link.LinkEstimate;
import dev.edgesplit.planner.link.LinkEstimator;
import dev.edgesplit.planner.link.TransferSample;
import java.util.List;

/**
 * Corrects the offline inputs of a plan with what live decode steps saw: the probed link anchored
 * at the decode frame's size or refined by live link times, and the layer profile scaled to live
 * compute times. Stateless.
 */
public final class LiveCalibration {

  private LiveCalibration() {}

  /**
   * {@code profile} scaled so that the cut of {@code row} predicts the live edge and cloud compute
   * times; a side whose prediction or live time is not positive keeps its profiled times.
   */
  public static LayerProfile calibrated(
      LayerProfile profile, CutRow row, double liveEdgeMs, double liveCloudMs) {
    return profile.scaled(
        ratio(liveEdgeMs, row.edgeMillis()), ratio(liveCloudMs, row.cloudMillis()));
  }

  /** {@code live / predicted}, or 1 when either is not positive or the ratio is not finite. */
  public static double ratio(double live, double predicted) {
    return live > 0 && predicted > 0 && Double.isFinite(live / predicted) ? live / predicted : 1.0;
  }

  /**
   * The probed link, changed so that a decode frame of {@code frameBytes} is predicted to take
   * {@code liveMs} (the live steps' median link time): a lower or higher RTT at the probed
   * bandwidth; or, when a shaper let the frames through faster than their size over the probed rate
   * (a token bucket with room), no RTT at the rate they saw.
   */
  public static LinkEstimate refinedByLive(
      LinkEstimate probed, double liveMs, long frameBytes, int liveSamples) {
    double transferMs = frameBytes * 8 / probed.bandwidthBitsPerSecond() * 1000;
    long samples = probed.samples() + liveSamples;
    return liveMs >= transferMs
        ? new LinkEstimate(liveMs - transferMs, probed.bandwidthBitsPerSecond(), samples)
        : new LinkEstimate(0, frameBytes * 8 / (liveMs / 1000), samples);
  }

  /**
   * The least-squares fit, with its RTT raised, when needed, so that the smallest (decode-size)
   * frame's median time is predicted exactly. A token-bucket shaper lets small frames through at
   * line rate while large ones pay the shaped rate, so the line through all sizes can cross zero
   * below the RTT; per-token latency depends on the small frame, so the line is anchored there.
   */
  public static LinkEstimate anchoredAtDecodeSize(List<TransferSample> samples) {
    LinkEstimate fit = LinkEstimator.fit(samples);
    long smallest = samples.stream().mapToLong(TransferSample::bytes).min().orElseThrow();
    double median =
        LinkEstimator.median(
            samples.stream()
                .filter(t -> t.bytes() == smallest)
                .map(t -> t.seconds() * 1000)
                .toList());
    double rtt = Math.max(fit.rttMillis(), median - fit.transferMillis(smallest));
    return new LinkEstimate(rtt, fit.bandwidthBitsPerSecond(), fit.samples());
  }
}
