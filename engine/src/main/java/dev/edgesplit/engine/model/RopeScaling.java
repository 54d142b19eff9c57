package dev.edgesplit.engine.model;

/**
 * How a checkpoint stretches RoPE beyond its original context, as Hugging Face configs describe it.
 *
 * @param type "linear" (every frequency divided by {@code factor}) or "llama3" (low frequencies
 *     divided by {@code factor}, high ones kept, a smooth ramp between)
 * @param factor context extension factor
 * @param lowFreqFactor llama3: wavelengths longer than original/lowFreqFactor are fully scaled
 * @param highFreqFactor llama3: wavelengths shorter than original/highFreqFactor are kept
 * @param originalMaxPosition llama3: the context the model was pre-trained with
 */
public record RopeScaling(
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPosition) {

  public RopeScaling {
    if (!"linear".equals(type) && !"llama3".equals(type)) {
      throw new IllegalArgumentException(
          "rope scaling type must be linear or llama3, got '" + type + "'");
    }
    if (!(factor >= 1)) {
      throw new IllegalArgumentException("rope scaling factor must be >= 1, got " + factor);
    }
    if ("llama3".equals(type)
        && !(highFreqFactor > lowFreqFactor && lowFreqFactor > 0 && originalMaxPosition > 0)) {
      throw new IllegalArgumentException(
          "llama3 rope scaling needs high_freq_factor > low_freq_factor > 0 and "
              + "original_max_position_embeddings > 0");
    }
  }

  /** The scaled inverse frequency for an unscaled one. */
  public double apply(double inverseFrequency) {
    if ("linear".equals(type)) {
      return inverseFrequency / factor;
    }
    double wavelength = 2 * Math.PI / inverseFrequency;
    double lowFreqWavelength = originalMaxPosition / lowFreqFactor;
    double highFreqWavelength = originalMaxPosition / highFreqFactor;
    if (wavelength < highFreqWavelength) {
      return inverseFrequency;
    }
    if (wavelength > lowFreqWavelength) {
      return inverseFrequency / factor;
    }
    double smooth =
        (originalMaxPosition / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency;
  }
}
