package dev.edgesplit.edge.generate;

import dev.edgesplit.proto.v1.DType;
import java.time.Duration;
import java.util.Objects;

/**
 * How generations talk to the cloud.
 *
 * @param hiddenDtype     element type of hidden states on the wire
 * @param stepTimeout     longest wait for one cloud reply
 * @param sessionDeadline deadline of a whole session stream (the client's deadline applies if sooner)
 */
public record GenerationSettings(DType hiddenDtype, Duration stepTimeout, Duration sessionDeadline) {

  public GenerationSettings {
    Objects.requireNonNull(hiddenDtype, "hiddenDtype");
    if (stepTimeout.isNegative() || stepTimeout.isZero() || sessionDeadline.isNegative() || sessionDeadline.isZero()) {
      throw new IllegalArgumentException("step timeout and session deadline must be positive");
    }
  }
}
