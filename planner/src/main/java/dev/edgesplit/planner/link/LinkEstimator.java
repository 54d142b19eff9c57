package dev.edgesplit.planner.link;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Estimates RTT and bandwidth of the edge-cloud link and notices when they drift.
 *
 * <p><b>Calibration</b> from probe samples of several frame sizes: seconds = RTT + bytes x 8 /
 * bandwidth is a line in bytes, so a least-squares fit gives the RTT as its intercept and the
 * bandwidth from its slope. Each frame size contributes its median time, so one delayed probe does
 * not skew the line.
 *
 * <p><b>Refinement</b> from live transfers by an exponentially weighted moving average: a live
 * frame whose predicted time is mostly RTT (every decode step: d x 2 bytes) updates the RTT with
 * its time minus the predicted transfer time; a frame whose predicted time is mostly transfer
 * (prefill) updates the bandwidth with its bytes over its time minus the RTT. One frame size alone
 * cannot separate the two, so each updates the term it says most about.
 *
 * <p><b>Drift</b>: {@link #drifted()} is true when RTT or bandwidth moved by more than the
 * threshold (relative) from the baseline, the estimate the current plan was made with; {@link
 * #rebaseline()} after re-planning. Thread-safe.
 */
public final class LinkEstimator {

  /** Slopes at or below this (seconds per byte) mean a link faster than probes can resolve. */
  static final double MAX_BANDWIDTH_BITS_PER_SECOND = 1e12;

  private final double alpha;
  private final double driftThreshold;
  private LinkEstimate current;
  private LinkEstimate baseline;

  /**
   * @param alpha EWMA weight of a new live sample, in (0, 1]
   * @param driftThreshold relative change counted as drift, e.g. 0.25
   */
  public LinkEstimator(double alpha, double driftThreshold) {
    if (!(alpha > 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
    }
    if (!(driftThreshold > 0) || !Double.isFinite(driftThreshold)) {
      throw new IllegalArgumentException("driftThreshold must be positive, got " + driftThreshold);
    }
    this.alpha = alpha;
    this.driftThreshold = driftThreshold;
  }

  /**
   * Least-squares line through the per-size medians of the probe samples.
   *
   * @throws IllegalArgumentException with fewer than two distinct frame sizes
   */
  public static LinkEstimate fit(List<TransferSample> probes) {
    Map<Long, List<Double>> bySize = new TreeMap<>();
    for (TransferSample s : probes) {
      bySize.computeIfAbsent(s.bytes(), b -> new ArrayList<>()).add(s.seconds());
    }
    if (bySize.size() < 2) {
      throw new IllegalArgumentException(
          "link probe needs at least two frame sizes, got " + bySize.keySet());
    }
    int n = bySize.size();
    double[] x = new double[n];
    double[] y = new double[n];
    int i = 0;
    for (Map.Entry<Long, List<Double>> e : bySize.entrySet()) {
      x[i] = e.getKey();
      y[i] = median(e.getValue());
      i++;
    }
    double mx = Arrays.stream(x).average().orElseThrow();
    double my = Arrays.stream(y).average().orElseThrow();
    double sxx = 0;
    double sxy = 0;
    for (int j = 0; j < n; j++) {
      sxx += (x[j] - mx) * (x[j] - mx);
      sxy += (x[j] - mx) * (y[j] - my);
    }
    double secondsPerByte = sxy / sxx;
    double bandwidth =
        secondsPerByte * MAX_BANDWIDTH_BITS_PER_SECOND > 8
            ? 8 / secondsPerByte
            : MAX_BANDWIDTH_BITS_PER_SECOND;
    double rttSeconds = Math.max(0, my - Math.max(secondsPerByte, 0) * mx);
    return new LinkEstimate(rttSeconds * 1000, bandwidth, probes.size());
  }

  /** Replaces the estimate and the baseline with a fit of {@code probes}. */
  public synchronized LinkEstimate calibrate(List<TransferSample> probes) {
    current = fit(probes);
    baseline = current;
    return current;
  }

  /**
   * Refines the estimate with one live transfer.
   *
   * @throws IllegalStateException before {@link #calibrate}
   */
  public synchronized LinkEstimate observe(TransferSample live) {
    Objects.requireNonNull(live, "live");
    LinkEstimate now = requireCalibrated();
    double transferMs = now.transferMillis(live.bytes());
    double observedMs = live.seconds() * 1000;
    double rtt = now.rttMillis();
    double bandwidth = now.bandwidthBitsPerSecond();
    if (transferMs < now.rttMillis()) {
      rtt = (1 - alpha) * rtt + alpha * Math.max(0, observedMs - transferMs);
    } else if (observedMs > rtt) {
      double implied = live.bytes() * 8.0 / ((observedMs - rtt) / 1000);
      bandwidth =
          Math.min(MAX_BANDWIDTH_BITS_PER_SECOND, (1 - alpha) * bandwidth + alpha * implied);
    }
    current = new LinkEstimate(rtt, bandwidth, now.samples() + 1);
    return current;
  }

  /** The latest estimate. */
  public synchronized LinkEstimate current() {
    return requireCalibrated();
  }

  /** The estimate drift is measured from. */
  public synchronized LinkEstimate baseline() {
    requireCalibrated();
    return baseline;
  }

  /** True when RTT or bandwidth moved more than the threshold from the baseline. */
  public synchronized boolean drifted() {
    return requireCalibrated().maxRelativeChangeFrom(baseline) > driftThreshold;
  }

  /** Makes the current estimate the new baseline (after the cut was re-planned with it). */
  public synchronized void rebaseline() {
    baseline = requireCalibrated();
  }

  private LinkEstimate requireCalibrated() {
    if (current == null) {
      throw new IllegalStateException("link estimator not calibrated: run a probe first");
    }
    return current;
  }

  /** The median of {@code values} (the mean of the middle two for an even count); not empty. */
  public static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }
}
