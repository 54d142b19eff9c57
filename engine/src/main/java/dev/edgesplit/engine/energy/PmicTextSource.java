package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Produces the text of {@code vcgencmd pmic_read_adc}; tests pass fixture text. */
@FunctionalInterface
public interface PmicTextSource {

  /** The command's full output. */
  String read() throws IOException;

  /** Runs {@code vcgencmd pmic_read_adc} with a 2 s timeout. */
  static PmicTextSource vcgencmd() {
    return () -> ProcessText.run(List.of("vcgencmd", "pmic_read_adc"), Duration.ofSeconds(2));
  }
}
