package dev.edgesplit.partitioner.model;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real models: system property {@code edgesplit.models}, env {@code EDGESPLIT_MODELS}, else
 * {@code ../shared/models} relative to the repository root. Absent: skip, or fail under {@code CI=true}.
 */
final class SharedModels {

  private SharedModels() {}

  static Path dir() {
    String prop = System.getProperty("edgesplit.models");
    String env = System.getenv("EDGESPLIT_MODELS");
    Path dir;
    if (prop != null && !prop.isBlank() && !prop.startsWith("${")) {
      dir = Path.of(prop);
    } else if (env != null && !env.isBlank()) {
      dir = Path.of(env);
    } else {
      // Surefire runs in the module directory; the repository root is its parent.
      dir = Path.of("").toAbsolutePath().getParent().resolve("../shared/models").normalize();
    }
    return dir;
  }

  /** A file under the models directory; skips (or fails under CI=true) when it is absent. */
  static Path require(String relative) {
    Path p = dir().resolve(relative);
    if (!Files.exists(p)) {
      String msg = "real model file " + p + " not found (set -Dedgesplit.models or EDGESPLIT_MODELS)";
      if ("true".equals(System.getenv("CI"))) {
        Assertions.fail(msg);
      }
      Assumptions.abort(msg);
    }
    return p;
  }
}
