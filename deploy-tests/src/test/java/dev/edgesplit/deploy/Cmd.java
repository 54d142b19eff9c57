package dev.edgesplit.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external command with a timeout and captures what it printed. */
final class Cmd {
  /** Exit code and output of one finished command. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    String describe() {
      return String.join(" ", command)
          + " -> exit "
          + exitCode
          + "\n--- stdout\n"
          + stdout
          + "\n--- stderr\n"
          + stderr;
    }
  }

  private final List<String> command;
  private final Map<String, String> env = new HashMap<>();
  private final List<String> unset = new ArrayList<>();
  private Path dir;
  private Duration timeout = Duration.ofSeconds(60);

  private Cmd(List<String> command) {
    this.command = List.copyOf(command);
  }

  static Cmd of(String... command) {
    return new Cmd(List.of(command));
  }

  static Cmd of(List<String> command) {
    return new Cmd(command);
  }

  /** {@code tar -czf archive -C parent folder}: packs {@code parent/folder} as {@code folder/}. */
  static Cmd tarGz(Path archive, Path parent, String folder) {
    return of("tar", "-czf", archive.toString(), "-C", parent.toString(), folder);
  }

  Cmd env(String name, String value) {
    env.put(name, value);
    return this;
  }

  Cmd unset(String name) {
    unset.add(name);
    return this;
  }

  Cmd dir(Path directory) {
    this.dir = directory;
    return this;
  }

  Cmd timeout(Duration limit) {
    this.timeout = limit;
    return this;
  }

  Result run() {
    try {
      Path out = Files.createTempFile("cmd", ".out");
      Path err = Files.createTempFile("cmd", ".err");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (dir != null) {
          pb.directory(dir.toFile());
        }
        unset.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command));
        }
        return new Result(
            command,
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted: " + command, e);
    }
  }

  /** True when {@code name} is an executable on PATH. */
  static boolean onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : path.split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
        return true;
      }
    }
    return false;
  }
}
