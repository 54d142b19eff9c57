package dev.edgesplit.engine.segment;

import dev.edgesplit.engine.model.ModelConfig;
import java.util.List;
import java.util.Objects;

/**
 * The {@code plan.json} of a compiled model directory: what the segments are and what they were
 * made from.
 *
 * @param format {@link #FORMAT}
 * @param config the model's shape
 * @param fingerprint sha256 of the source weights; edge and cloud must agree on it
 * @param tokenizer tokenizer file name inside the directory (null when the model came without one)
 * @param maxContext longest context the segments support
 * @param cut the cut this directory was compiled for, or null for a per-layer build serving every
 *     cut
 * @param edgeWeights weight format of edge-side layers
 * @param cloudWeights weight format of cloud-side layers
 * @param segments the segment files
 */
public record CompiledManifest(
    String format,
    ModelConfig config,
    String fingerprint,
    String tokenizer,
    int maxContext,
    Integer cut,
    WeightFormat edgeWeights,
    WeightFormat cloudWeights,
    List<SegmentEntry> segments) {

  public static final String FORMAT = "edgesplit-compiled/1";
  public static final String FILE_NAME = "plan.json";

  public CompiledManifest {
    if (!FORMAT.equals(format)) {
      throw new IllegalArgumentException(
          "unsupported compiled model format '" + format + "', expected " + FORMAT);
    }
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(edgeWeights, "edgeWeights");
    Objects.requireNonNull(cloudWeights, "cloudWeights");
    segments = List.copyOf(segments);
    if (maxContext <= 0) {
      throw new IllegalArgumentException("maxContext must be positive");
    }
    if (cut != null && (cut < 0 || cut > config.nLayers())) {
      throw new IllegalArgumentException("cut " + cut + " outside 0.." + config.nLayers());
    }
  }
}
