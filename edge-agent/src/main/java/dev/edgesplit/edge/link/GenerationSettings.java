package dev.edgesplit.edge.link;

import dev.edgesplit.proto.v1.DType;
import java.time.Duration;
import java.util.Objects;

/**
 * How generations talk to the cloud.
 *
 * @param hiddenDtype element type of hidden states on the wire
 * @param stepTimeout longest wait for one cloud reply
 * @param sessionDeadline deadline of a whole session stream (the client's deadline applies if
 *     sooner)
 * @param prefillChunk prompt positions per prefill frame: the board computes the next chunk while
 *     the worker computes this one (capped by the worker's largest frame)
 */
public record GenerationSettings(
    DType hiddenDtype, Duration stepTimeout, Duration sessionDeadline, int prefillChunk) {

  public GenerationSettings {
    Objects.requireNonNull(hiddenDtype, "hiddenDtype");
    if (prefillChunk < 1) {
      throw new IllegalArgumentException(
          "prefill chunk must be >= 1 position, got " + prefillChunk);
    }
    if (stepTimeout.isNegative()
        || stepTimeout.isZero()
        || sessionDeadline.isNegative()
        || sessionDeadline.isZero()) {
      throw new IllegalArgumentException("step timeout and session deadline must be positive");
    }
  }
}
