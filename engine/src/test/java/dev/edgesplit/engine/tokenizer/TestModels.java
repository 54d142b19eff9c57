package dev.edgesplit.engine.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared real-model folder: system property {@code edgesplit.models}, else env {@code EDGESPLIT_MODELS},
 * else {@code ../shared/models} next to the repository root. A missing file skips the test, or fails it when
 * {@code CI=true}.
 */
final class TestModels {

  private TestModels() {}

  static Path require(String relative) {
    Path file = root().resolve(relative);
    boolean present = Files.isRegularFile(file);
    if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("model file " + file + " is missing and CI=true");
    }
    assumeTrue(present, "model file " + file + " not found: set -Dedgesplit.models or EDGESPLIT_MODELS; skipping");
    return file;
  }

  private static Path root() {
    String property = System.getProperty("edgesplit.models");
    if (property != null && !property.isBlank() && !property.startsWith("${")) {
      return Path.of(property);
    }
    String env = System.getenv("EDGESPLIT_MODELS");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !(Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("engine")))) {
      dir = dir.getParent();
    }
    Path repo = dir != null ? dir : Path.of("").toAbsolutePath();
    return repo.resolve("../shared/models").normalize();
  }
}
