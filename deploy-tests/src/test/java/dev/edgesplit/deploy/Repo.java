package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locations of the files under test, handed over by surefire (see deploy-tests/pom.xml). */
final class Repo {
  private Repo() {}

  /** The repository root (parent of deploy-tests). */
  static Path root() {
    String prop = System.getProperty("edgesplit.repo");
    Path root = (prop != null ? Path.of(prop) : Path.of("..")).toAbsolutePath().normalize();
    assertThat(root.resolve("deploy")).as("repository root %s has deploy/", root).isDirectory();
    return root;
  }

  static Path file(String relative) {
    Path p = root().resolve(relative);
    assertThat(p).as("%s exists", relative).exists();
    return p;
  }

  static String version() {
    return System.getProperty("edgesplit.version", "0.1.0-SNAPSHOT");
  }

  /**
   * The distribution archive built by {@code mvn package} in module cli. Skips the calling test
   * when it has not been built (e.g. {@code mvn test}, which stops before the package phase).
   */
  static Path distArchive() {
    String prop = System.getProperty("edgesplit.dist");
    Path archive =
        prop != null
            ? Path.of(prop)
            : root().resolve("cli/target/edgesplit-" + version() + ".tar.gz");
    assumeTrue(
        Files.isRegularFile(archive),
        "distribution archive "
            + archive
            + " not built: run `mvn package` (or `mvn verify`) from the repository root to test it");
    return archive;
  }
}
