package dev.edgesplit.partitioner.cache;

import java.nio.file.Path;

/** Where edgesplit keeps its caches: {@code $EDGESPLIT_HOME}, else {@code ~/.edgesplit}. */
public final class Workspace {

  private Workspace() {}

  /** The workspace folder. */
  public static Path home() {
    String env = System.getenv("EDGESPLIT_HOME");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".edgesplit");
  }

  /** Compiled models, keyed by source and settings. */
  public static Path compiledCache() {
    return home().resolve("compiled");
  }
}
