package dev.edgesplit.partitioner.options;

import picocli.CommandLine.Option;

/**
 * How int8/int4 weights are laid out for ONNX Runtime's MatMulNBits: the options every command that
 * compiles them shares ({@code compile}, {@code run}, {@code edge} ... through the model options,
 * and {@code bench}). A picocli mixin.
 */
public final class QuantOptions {

  // 4 keeps the quality bars (stories260K, ./edgesplit quality: int8 99.37% top-1 agreement against
  // 99.61% exact, int4 91.31% against 91.21%) and decodes 1.8x faster than 0
  // (docs/quantization.md).
  @Option(
      names = "--accuracy-level",
      paramLabel = "L",
      defaultValue = "4",
      description =
          "MatMulNBits accuracy_level of int8/int4 weights: 4 int8 compute (default, faster), 0 exact fp32.")
  int accuracyLevel = 4;

  @Option(
      names = "--block-size",
      paramLabel = "B",
      defaultValue = "32",
      description =
          "Quantization block size along the input dimension (default: ${DEFAULT-VALUE}); larger blocks "
              + "read fewer scale bytes per token and run faster, at some cost in quality (see quality).")
  int blockSize = 32;

  public int accuracyLevel() {
    return accuracyLevel;
  }

  public int blockSize() {
    return blockSize;
  }

  /** A copy with the same values (for options derived from these, such as a draft's). */
  public QuantOptions copy() {
    QuantOptions c = new QuantOptions();
    c.accuracyLevel = accuracyLevel;
    c.blockSize = blockSize;
    return c;
  }
}
