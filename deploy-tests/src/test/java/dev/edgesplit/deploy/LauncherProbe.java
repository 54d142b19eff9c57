package dev.edgesplit.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A Java agent that the launcher tests inject through {@code
 * EDGESPLIT_JAVA_OPTS=-javaagent:probe.jar=OUT}. It runs inside the JVM that bin/edgesplit starts,
 * before the main class, records what that JVM was given (command-line length, classpath,
 * environment, system properties), initialises ONNX Runtime from the distribution's jars, writes
 * everything to OUT as properties, and exits so no command runs. Self-contained on purpose: it is
 * copied alone into the agent jar.
 */
public final class LauncherProbe {
  private LauncherProbe() {}

  /** Agent entry point; {@code args} is the output file. */
  public static void premain(String args, Instrumentation instrumentation) {
    Properties p = new Properties();
    try {
      p.setProperty(
          "cmdline.bytes",
          Integer.toString(Files.readAllBytes(Path.of("/proc/self/cmdline")).length));
      p.setProperty("java.class.path", System.getProperty("java.class.path", ""));
      p.setProperty(
          "env.ORT_DISABLE_TELEMETRY", String.valueOf(System.getenv("ORT_DISABLE_TELEMETRY")));
      p.setProperty("env.CLASSPATH", String.valueOf(System.getenv("CLASSPATH")));
      p.setProperty(
          "onnxruntime.native.path", String.valueOf(System.getProperty("onnxruntime.native.path")));
      p.setProperty("edgesplit.home", String.valueOf(System.getProperty("edgesplit.home")));
      p.setProperty(
          "logback.configurationFile",
          String.valueOf(System.getProperty("logback.configurationFile")));
      p.setProperty("java.version", System.getProperty("java.version"));
      try {
        Object env =
            Class.forName("ai.onnxruntime.OrtEnvironment").getMethod("getEnvironment").invoke(null);
        p.setProperty("ort.environment", String.valueOf(env));
      } catch (ReflectiveOperationException | LinkageError e) {
        p.setProperty("ort.error", e.toString());
      }
      try (OutputStream out = Files.newOutputStream(Path.of(args))) {
        p.store(out, "edgesplit launcher probe");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.exit(0);
  }
}
