package dev.edgesplit.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real models for tests: system property {@code edgesplit.models}, env {@code
 * EDGESPLIT_MODELS}, else {@code ../shared/models} beside the repository. Absent: the test is
 * skipped, or fails under {@code CI=true}, where a missing real model is an error.
 */
public final class SharedModels {

  private SharedModels() {}

  public static Path dir() {
    String prop = System.getProperty("edgesplit.models");
    if (prop != null && !prop.isBlank() && !prop.startsWith("${")) {
      return Path.of(prop);
    }
    String env = System.getenv("EDGESPLIT_MODELS");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    // Surefire runs in the module directory; the repository root is its parent.
    return Path.of("").toAbsolutePath().getParent().resolve("../shared/models").normalize();
  }

  /**
   * A file or folder under the models directory; skips (or fails under CI=true) when it is absent.
   */
  public static Path require(String relative) {
    Path p = dir().resolve(relative);
    if (!Files.exists(p)) {
      String msg = "real model " + p + " not found (set -Dedgesplit.models or EDGESPLIT_MODELS)";
      if ("true".equals(System.getenv("CI"))) {
        Assertions.fail(msg);
      }
      Assumptions.abort(msg);
    }
    return p;
  }
}
