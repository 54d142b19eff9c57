package dev.edgesplit.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code edgesplit} launcher: one entry point, a subcommand per job. */
@Command(
    name = "edgesplit",
    mixinStandardHelpOptions = true,
    version = "edgesplit 0.1.0",
    description = "Run a Llama-family LLM split between a small board (edge) and the cloud.",
    subcommands = {
      CompileCommand.class,
      RunCommand.class,
      QualityCommand.class,
      DemoCommand.class,
      CloudCommand.class,
      EdgeCommand.class,
      GenerateCommand.class,
      HealthCommand.class,
      PlanCommand.class,
      PrivacyCommand.class,
      dev.edgesplit.bench.BenchCommand.class,
      LoadCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // gRPC logs through java.util.logging: route it to the same log, format and levels as
    // everything else.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (tests call it without exiting the JVM). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    // A usage error: its one-line message and where to look, not the whole usage text (exit 2).
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine line = ex.getCommandLine();
          line.getErr().println(line.getColorScheme().errorText("edgesplit: " + ex.getMessage()));
          if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, line.getErr())) {
            line.getErr()
                .println(
                    "Try '"
                        + line.getCommandSpec().qualifiedName(" ")
                        + " --help' for the options.");
          }
          return line.getCommandSpec().exitCodeOnInvalidInput();
        });
    cl.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          line.getErr().println(line.getColorScheme().errorText("edgesplit: " + describe(ex)));
          if (System.getenv("EDGESPLIT_DEBUG") != null) {
            ex.printStackTrace(line.getErr());
          }
          return 1;
        });
    return cl;
  }

  private static String describe(Throwable ex) {
    String message = ex.getMessage();
    return message == null ? ex.getClass().getSimpleName() : message;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
