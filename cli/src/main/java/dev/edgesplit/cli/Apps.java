package dev.edgesplit.cli;

import dev.edgesplit.engine.segment.CompiledModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;

/** What the edge and cloud commands share: finding the compiled model, closing on SIGTERM. */
final class Apps {

  private Apps() {}

  /**
   * {@code --model} when given, else the config's {@code model.dir}, else the default model; a
   * checkpoint is compiled for {@code cut} on first use (cached), a compiled directory is used as
   * is.
   */
  static CompiledModel compiledModel(
      CommandSpec spec, ModelOptions model, Path configuredDir, Integer cut) throws IOException {
    PrintWriter log = spec.commandLine().getErr();
    if (model.model == null && configuredDir != null) {
      // model.dir may name a checkpoint as well as a compiled directory: it is then compiled once
      // into the cache.
      return model.compiled(configuredDir.toString(), log, cut);
    }
    return model.compiled(log, cut);
  }

  /**
   * {@code resource} as an AutoCloseable for try-with-resources; null (a disabled endpoint) closes
   * nothing.
   */
  static AutoCloseable closeable(AutoCloseable resource) {
    return resource == null ? () -> {} : resource;
  }

  /**
   * {@code --threads}, when given on the command line, overrides {@code runtime.intra_op_threads}.
   */
  static void threadsOverride(
      CommandSpec spec, ModelOptions model, java.util.Map<String, String> overrides) {
    if (spec.commandLine().getParseResult().hasMatchedOption("--threads")) {
      overrides.put("runtime.intra_op_threads", String.valueOf(model.threads));
    }
  }

  /**
   * Closes {@code app} (drain, then stop) when the JVM is asked to exit. SIGTERM ({@code systemctl
   * stop}, {@code docker stop}) is handled here instead of by the JVM, whose own SIGTERM exit
   * (status 143) systemd and container engines report as a failure: the app drains, its {@code
   * blockUntilShutdown} returns and the command exits 0. The hook covers every other exit.
   */
  static void closeOnShutdown(AutoCloseable app) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> close(app), "edgesplit-shutdown"));
    Signal.handle(
        new Signal("TERM"),
        signal ->
            new Thread(
                    () -> {
                      System.err.println(
                          "edgesplit: SIGTERM: draining open sessions, then stopping");
                      close(app);
                    },
                    "edgesplit-sigterm")
                .start());
  }

  private static void close(AutoCloseable app) {
    try {
      app.close();
    } catch (Exception e) {
      System.err.println("edgesplit: shutdown: " + e.getMessage());
    }
  }
}
