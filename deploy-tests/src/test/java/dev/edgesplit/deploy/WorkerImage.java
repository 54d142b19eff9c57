package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds deploy/docker/Dockerfile once per test JVM, from the repository root as a user would, with
 * the distribution archive `mvn package` already built ({@code DIST=prebuilt}: no second Maven
 * build inside the engine). The base images are the local ones from setup-containers.sh when the
 * engine has them, else the Dockerfile's public defaults.
 */
final class WorkerImage {
  static final String TAG = "localhost/edgesplit/cloud-worker:test";

  private static String built;

  private WorkerImage() {}

  /** The tag of the built image; the build's failure fails the caller. */
  static synchronized String build(Engine engine) {
    if (built == null) {
      Repo.distArchive();
      List<String> args =
          new ArrayList<>(
              List.of(
                  "build",
                  "-f",
                  "deploy/docker/Dockerfile",
                  "-t",
                  TAG,
                  "--build-arg",
                  "DIST=prebuilt"));
      if (engine.isPodman()) {
        args.add("--format=docker"); // OCI images have no HEALTHCHECK: podman would drop it
      }
      if (engine.imageExists(Engine.CI_JRE)) {
        args.addAll(
            List.of(
                "--build-arg",
                "BUILD_IMAGE=" + Engine.CI_JRE,
                "--build-arg",
                "RUNTIME_IMAGE=" + Engine.CI_JRE));
      }
      args.add(Repo.root().toString());
      long start = System.nanoTime();
      Cmd.Result r = engine.run(Duration.ofMinutes(15), args.toArray(String[]::new));
      assertThat(r.exitCode()).as(r.describe()).isZero();
      System.out.printf(
          "WorkerImage: built %s in %.0f s%n", TAG, (System.nanoTime() - start) / 1e9);
      built = TAG;
    }
    return built;
  }

  /**
   * Where the tests find the checkpoint directories (stories260K/...), mounted read-only at
   * /models.
   */
  static Path models() {
    return dev.edgesplit.testkit.SharedModels.require("stories260K").getParent().toAbsolutePath();
  }
}
