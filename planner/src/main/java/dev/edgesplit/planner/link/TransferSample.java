package dev.edgesplit.planner.link;

/**
 * One timed exchange over the link: a frame of {@code bytes} sent and its reply received.
 *
 * @param bytes payload bytes of the frame (the reply is assumed small)
 * @param seconds round-trip wall time from send to reply
 */
public record TransferSample(long bytes, double seconds) {

  public TransferSample {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
    }
    if (!Double.isFinite(seconds) || seconds < 0) {
      throw new IllegalArgumentException("seconds must be finite and >= 0, got " + seconds);
    }
  }
}
