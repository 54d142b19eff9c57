package dev.edgesplit.cloud.rpc;

/**
 * Message size limits of the worker's server, derived from the model so that the largest legal
 * frame fits and nothing much larger does.
 *
 * @param maxFramePositions most positions S in one frame
 * @param maxProbeBytes largest probe payload or reply padding
 * @param maxInboundBytes gRPC max inbound message size: the largest legal frame or probe, plus
 *     overhead
 */
public record WireLimits(int maxFramePositions, int maxProbeBytes, int maxInboundBytes) {

  /** Protobuf framing, session id, sampling and flags of a frame stay far below this. */
  static final int OVERHEAD_BYTES = 4096;

  public WireLimits {
    if (maxFramePositions < 1 || maxProbeBytes < 0 || maxInboundBytes < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }

  /**
   * Limits for hidden size {@code dim}: fp32 rows plus one int8 scale per row, or a probe, plus
   * overhead.
   */
  public static WireLimits forModel(int dim, int maxFramePositions, int maxProbeBytes) {
    long frame =
        (long) maxFramePositions * dim * 4 + (long) maxFramePositions * 5 + 16 + OVERHEAD_BYTES;
    long largest = Math.max(frame, (long) maxProbeBytes + OVERHEAD_BYTES);
    if (largest > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a frame of " + maxFramePositions + " x " + dim + " is too large");
    }
    return new WireLimits(maxFramePositions, maxProbeBytes, (int) largest);
  }
}
