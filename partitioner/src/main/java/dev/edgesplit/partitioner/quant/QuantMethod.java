package dev.edgesplit.partitioner.quant;

import java.util.Locale;

/** How weights are rounded to int8/int4. */
public enum QuantMethod {
  /** Round to nearest, each block's clipping chosen by squared error. No calibration. */
  RTN,
  /**
   * Round to nearest, errors weighted by each input channel's mean squared activation on
   * calibration text.
   */
  ACTIVATION_WEIGHTED,
  /** GPTQ: rounding errors compensated on not-yet-quantized columns using calibration inputs. */
  GPTQ;

  public boolean calibrated() {
    return this != RTN;
  }

  public static QuantMethod parse(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "rtn":
        return RTN;
      case "awq":
      case "activation-weighted":
        return ACTIVATION_WEIGHTED;
      case "gptq":
        return GPTQ;
      default:
        throw new IllegalArgumentException(
            "unknown quantizer '" + text + "' (expected rtn, awq or gptq)");
    }
  }
}
