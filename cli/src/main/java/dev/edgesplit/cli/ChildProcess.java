package dev.edgesplit.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Another edgesplit JVM started by this one (the demo's cloud worker and edge agent). The classpath
 * travels in the CLASSPATH variable so the command line stays short (ONNX Runtime 1.29 crashes on
 * long ones).
 */
final class ChildProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ChildProcess start(String name, Path logDir, List<String> args) throws IOException {
    return start(name, logDir, List.of(), args);
  }

  /**
   * @param jvmArgs extra JVM options, after the ones inherited from this JVM
   */
  static ChildProcess start(String name, Path logDir, List<String> jvmArgs, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    for (String jvmArg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (jvmArg.startsWith("-D") || jvmArg.startsWith("-X")) {
        command.add(jvmArg);
      }
    }
    command.addAll(jvmArgs);
    command.add(Main.class.getName());
    command.addAll(args);
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
    return new ChildProcess(name, pb.start(), log);
  }

  boolean alive() {
    return process.isAlive();
  }

  /** "running", or how the process ended (128 + n: killed by signal n, e.g. 137 for SIGKILL). */
  String status() {
    return process.isAlive() ? "running" : "exit code " + process.exitValue();
  }

  Path log() {
    return log;
  }

  /** The last lines of the child's output, for error messages. */
  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join(
          System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  /**
   * SIGKILL: no shutdown hook, no drain; sockets are closed by the kernel. Waits until the process
   * is gone.
   */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM (the child drains through its shutdown hook), then SIGKILL after a grace period. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
