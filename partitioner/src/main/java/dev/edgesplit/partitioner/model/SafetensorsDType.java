package dev.edgesplit.partitioner.model;

import java.util.Optional;

/** The safetensors element types this project reads and writes; all become fp32 in memory. */
public enum SafetensorsDType {
  F32(4),
  F16(2),
  BF16(2);

  private final int bytes;

  SafetensorsDType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** The type named by a header's {@code dtype} string, if supported. */
  public static Optional<SafetensorsDType> parse(String name) {
    for (SafetensorsDType t : values()) {
      if (t.name().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
