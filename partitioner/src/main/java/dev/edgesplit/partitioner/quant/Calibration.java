package dev.edgesplit.partitioner.quant;

import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.model.ModelWeights;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Calibration input: a built-in English text in the model's own tokens (seeded random ids without a
 * tokenizer).
 */
public final class Calibration {

  /** Enough positions to see every channel fire, few enough for the plain-Java reference pass. */
  static final int MAX_TOKENS = 192;

  private Calibration() {}

  public static ActivationStats stats(ModelWeights model) {
    return ActivationStats.collect(model, tokens(model));
  }

  static int[] tokens(ModelWeights model) {
    int limit = Math.min(MAX_TOKENS, model.config().maxSeqLen());
    if (model.tokenizer().isPresent()) {
      int[] ids =
          Tokenizers.load(model.tokenizer().get(), model.config().vocabSize()).encode(text(), true);
      return Arrays.copyOf(ids, Math.min(limit, ids.length));
    }
    return new SplittableRandom(7).ints(limit, 0, model.config().vocabSize()).toArray();
  }

  private static String text() {
    try (InputStream in = Calibration.class.getResourceAsStream("calibration.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("calibration text missing from the jar", e);
    }
  }
}
