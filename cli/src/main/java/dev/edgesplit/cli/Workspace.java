package dev.edgesplit.cli;

import java.nio.file.Path;

/** Where edgesplit keeps its caches: {@code $EDGESPLIT_HOME}, else {@code ~/.edgesplit}. */
final class Workspace {

  private Workspace() {}

  static Path home() {
    String env = System.getenv("EDGESPLIT_HOME");
    return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".edgesplit");
  }

  static Path compiledCache() {
    return home().resolve("compiled");
  }
}
