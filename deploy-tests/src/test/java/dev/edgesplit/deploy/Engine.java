package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The container engine the deploy tests drive through its own command line: podman (what CI
 * installs with deploy-tests/setup-containers.sh) or docker, whichever answers {@code info}; {@code
 * EDGESPLIT_CONTAINER_ENGINE} picks one. The command line, not a Docker API client, because builds
 * must mount the host's CA certificates and systemd containers need {@code podman run
 * --systemd=always}.
 */
record Engine(String command) {
  /**
   * Local base images from Debian's packages (setup-containers.sh); absent: the Dockerfile's public
   * defaults.
   */
  static final String CI_JRE = "localhost/edgesplit-ci/jre:bookworm";

  static final String CI_SYSTEMD = "localhost/edgesplit-ci/systemd:bookworm";

  /** Why tests that need an engine skip when none answers. */
  static final String NONE =
      "no container engine answers `podman info` or `docker info`: run"
          + " deploy-tests/setup-containers.sh (as root, Debian 12) to install podman and the base images";

  private static final Optional<Engine> FOUND = find();

  /**
   * Skips the calling test, saying why, when {@code condition} is false; fails it instead where the
   * engine must run ({@code EDGESPLIT_CONTAINER_TESTS=required}, set by .ci/run): CI must not pass
   * by skipping.
   */
  static void assume(boolean condition, String why) {
    if (!condition && "required".equals(System.getenv("EDGESPLIT_CONTAINER_TESTS"))) {
      throw new AssertionError("EDGESPLIT_CONTAINER_TESTS=required, but: " + why);
    }
    Assumptions.assumeTrue(condition, why);
  }

  static Optional<Engine> get() {
    return FOUND;
  }

  private static Optional<Engine> find() {
    String chosen = System.getenv("EDGESPLIT_CONTAINER_ENGINE");
    for (String candidate : chosen != null ? List.of(chosen) : List.of("podman", "docker")) {
      if (Cmd.onPath(candidate)
          && Cmd.of(candidate, "info").timeout(Duration.ofMinutes(2)).run().exitCode() == 0) {
        return Optional.of(new Engine(candidate));
      }
    }
    return Optional.empty();
  }

  boolean isPodman() {
    return command.equals("podman");
  }

  Cmd.Result run(Duration timeout, String... args) {
    List<String> cmd = new ArrayList<>(List.of(command));
    cmd.addAll(List.of(args));
    return Cmd.of(cmd).timeout(timeout).run();
  }

  Cmd.Result run(String... args) {
    return run(Duration.ofMinutes(2), args);
  }

  /** Runs and asserts exit status 0; returns stdout trimmed. */
  String ok(String... args) {
    Cmd.Result r = run(args);
    assertThat(r.exitCode()).as(r.describe()).isZero();
    return r.stdout().trim();
  }

  boolean imageExists(String image) {
    return run("image", "inspect", image).exitCode() == 0;
  }

  /**
   * Also removes {@code container} when the test JVM exits early (Maven interrupted, a fork
   * killed).
   */
  void removeOnExit(String container) {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> remove(container), "remove-" + container));
  }

  /** Removes a container whatever its state; quiet when it is already gone. */
  void remove(String container) {
    if (isPodman()) {
      run("rm", "-f", "-t", "0", container);
    } else {
      run("rm", "-f", container);
    }
  }
}
