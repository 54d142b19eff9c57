package dev.edgesplit.planner;

/** How the hidden state h_k is encoded on the link. */
public enum WireDType {
  /** 4 bytes per float. */
  FP32,
  /** 2 bytes per float. */
  FP16,
  /** 1 byte per float plus one fp32 scale per position. */
  INT8;

  /** Payload bytes of one position's hidden state of width {@code dim}. */
  public long bytesPerToken(int dim) {
    switch (this) {
      case FP32:
        return 4L * dim;
      case FP16:
        return 2L * dim;
      case INT8:
        return dim + 4L;
      default:
        throw new AssertionError(this);
    }
  }
}
