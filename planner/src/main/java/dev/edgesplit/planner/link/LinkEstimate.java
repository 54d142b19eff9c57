package dev.edgesplit.planner.link;

/**
 * What the link between edge and cloud costs: a fixed round trip plus a per-byte transfer time.
 *
 * @param rttMillis round-trip time of an empty frame, milliseconds
 * @param bandwidthBitsPerSecond payload bandwidth, bits per second
 * @param samples how many timed transfers the estimate rests on
 */
public record LinkEstimate(double rttMillis, double bandwidthBitsPerSecond, long samples) {

  public LinkEstimate {
    if (!Double.isFinite(rttMillis) || rttMillis < 0) {
      throw new IllegalArgumentException("rttMillis must be finite and >= 0, got " + rttMillis);
    }
    if (!Double.isFinite(bandwidthBitsPerSecond) || bandwidthBitsPerSecond <= 0) {
      throw new IllegalArgumentException(
          "bandwidthBitsPerSecond must be finite and > 0, got " + bandwidthBitsPerSecond);
    }
    if (samples < 0) {
      throw new IllegalArgumentException("samples must be >= 0, got " + samples);
    }
  }

  /**
   * Predicted round trip of a frame of {@code bytes}, milliseconds: RTT + bytes x 8 / bandwidth.
   */
  public double roundTripMillis(long bytes) {
    return rttMillis + transferMillis(bytes);
  }

  /** Time to push {@code bytes} through the bandwidth, milliseconds. */
  public double transferMillis(long bytes) {
    return bytes * 8.0 / bandwidthBitsPerSecond * 1000.0;
  }

  /**
   * The larger relative change of RTT or bandwidth from {@code reference} to this estimate. An RTT
   * below {@code 0.1 ms} counts as 0.1 ms, so loopback jitter of microseconds is not a 100% change.
   */
  public double maxRelativeChangeFrom(LinkEstimate reference) {
    double rttRef = Math.max(reference.rttMillis, 0.1);
    double rtt = Math.abs(Math.max(rttMillis, 0.1) - rttRef) / rttRef;
    double bw =
        Math.abs(bandwidthBitsPerSecond - reference.bandwidthBitsPerSecond)
            / reference.bandwidthBitsPerSecond;
    return Math.max(rtt, bw);
  }
}
