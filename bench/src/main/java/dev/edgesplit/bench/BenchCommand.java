package dev.edgesplit.bench;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.cache.BenchModel;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.partitioner.cache.Workspace;
import dev.edgesplit.partitioner.options.QuantOptions;
import dev.edgesplit.partitioner.options.ReturnCut;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgesplit bench}: decode and prefill speed of one model shape and quantization, unsplit,
 * split in one process and split over loopback gRPC, for each thread count and cut; prints a table
 * and writes {@code bench.json} and {@code bench.md}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    subcommands = {JmhCommand.class, SpeculateCommand.class},
    description =
        "Measure decode/prefill speed unsplit vs split (in one process and over loopback gRPC), "
            + "per-layer times, serialization, memory and the memory-bandwidth roofline.")
public final class BenchCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      paramLabel = "MODEL",
      defaultValue = "synthetic:smollm2-135m",
      description = "synthetic:NAME[:SEED] or a checkpoint path (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--quant",
      paramLabel = "FORMAT",
      defaultValue = "int4",
      description =
          "Weights of every layer and the LM head, on both sides: fp32, int8, int4 (default: ${DEFAULT-VALUE}).")
  String quant;

  @Option(
      names = "--threads",
      paramLabel = "N",
      split = ",",
      defaultValue = "1",
      description = "ONNX Runtime threads per run; a list runs each (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(
      names = "--cut",
      paramLabel = "K",
      split = ",",
      description = "Cuts to benchmark (edge runs embedding + layers [0,K)); a list runs each.")
  List<Integer> cuts;

  @Option(
      names = "--return-cut",
      paramLabel = "M",
      description =
          "U-shaped split in every split mode: the worker side runs only [K,M); the edge side also "
              + "[M,N), the head and sampling. M = N is the plain split.")
  Integer returnCut;

  @Option(
      names = "--prompt-tokens",
      paramLabel = "N",
      defaultValue = "128",
      description =
          "Prompt length for prefill and time to first token (default: ${DEFAULT-VALUE}).")
  int promptTokens;

  @Option(
      names = "--tokens",
      paramLabel = "N",
      defaultValue = "128",
      description = "Decode tokens measured per generation (default: ${DEFAULT-VALUE}).")
  int tokens;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "32",
      description =
          "Decode tokens of the discarded warm-up generation (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--loopback-warmup",
      paramLabel = "N",
      defaultValue = "2048",
      description =
          "Decode tokens the edge and cloud processes serve before the measured loopback generation, "
              + "so that their gRPC path is JIT-compiled as in a long-running service (default: ${DEFAULT-VALUE}).")
  int loopbackWarmup;

  @Option(
      names = "--no-spin",
      description =
          "ONNX Runtime's worker threads sleep between operators instead of "
              + "spinning within a run (in-process runs only, so with --no-loopback): the comparison for the default.")
  boolean noSpin;

  // --accuracy-level and --block-size, as compile's (cli's model options share the mixin).
  @Mixin QuantOptions quantization;

  @Option(
      names = "--max-context",
      paramLabel = "N",
      defaultValue = "512",
      description = "Context the bench segments are compiled for (default: ${DEFAULT-VALUE}).")
  int maxContext;

  @Option(names = "--no-parts", description = "Skip the per-layer, embedding and head times.")
  boolean noParts;

  @Option(
      names = "--bandwidth-mb",
      paramLabel = "MB",
      defaultValue = "256",
      description = "Size of each array of the bandwidth copy (default: ${DEFAULT-VALUE}).")
  int bandwidthMb;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "bench-results",
      description = "Where bench.json and bench.md go (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--cache",
      paramLabel = "DIR",
      description =
          "Compiled-model cache (default: $EDGESPLIT_HOME/compiled or ~/.edgesplit/compiled).")
  Path cache;

  @Option(
      names = "--no-loopback",
      description = "Skip the split over loopback gRPC (two processes).")
  boolean noLoopback;

  @Option(
      names = "--paired-rounds",
      paramLabel = "N",
      defaultValue = "5",
      description =
          "After the loopback run, N rounds of one unsplit and one loopback generation back to back; "
              + "their median ratio is reported beside the runs minutes apart (default: ${DEFAULT-VALUE}).")
  int pairedRounds;

  @Option(
      names = "--rounds",
      paramLabel = "N",
      defaultValue = "3",
      description =
          "Rounds of the in-process modes (unsplit, then the split at each cut), interleaved; each mode "
              + "reports its median round (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--launcher",
      paramLabel = "PATH",
      description =
          "The edgesplit launcher that starts the edge and cloud processes "
              + "(default: bin/edgesplit of this installation).")
  Path launcher;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (cuts == null || cuts.isEmpty()) {
      throw new IllegalArgumentException("give --cut K (or a list, e.g. --cut 10,20)");
    }
    WeightFormat format = WeightFormat.parse(quant);
    if (noSpin && !noLoopback) {
      throw new IllegalArgumentException(
          "--no-spin applies to the runs in this process, not to the edge and cloud "
              + "servers: add --no-loopback");
    }
    if (pairedRounds < 0) {
      throw new IllegalArgumentException("--paired-rounds must be >= 0, got " + pairedRounds);
    }
    for (int t : threads) {
      if (t < 1) {
        throw new IllegalArgumentException("--threads must be >= 1, got " + t);
      }
    }
    // Other work on the machine skews every figure: the report states the load it ran under.
    String loadBefore = loadAverage();
    BenchModel.Settings settings =
        new BenchModel.Settings(maxContext, quantization.blockSize(), quantization.accuracyLevel());
    CompiledModel compiled =
        new ModelCache(cache != null ? cache : Workspace.compiledCache(), err)
            .bench(model, format, settings, cuts);
    int n = compiled.config().nLayers();
    ReturnCut.check(spec, cuts.stream().mapToInt(Integer::intValue).max().getAsInt(), returnCut, n);
    BenchRunner.Plan plan =
        new BenchRunner.Plan(
            promptTokens,
            tokens,
            warmup,
            loopbackWarmup,
            !noParts,
            !noSpin,
            42L,
            pairedRounds,
            rounds,
            returnCut == null || returnCut == n ? null : returnCut);
    BenchRunner.LoopbackSplit loopback = null;
    if (!noLoopback) {
      Path bin = launcher != null ? launcher : defaultLauncher();
      if (bin == null || !java.nio.file.Files.isExecutable(bin)) {
        throw new IllegalArgumentException(
            "cannot find the edgesplit launcher for the loopback processes"
                + (bin == null ? "" : " at " + bin)
                + ": pass --launcher PATH, or --no-loopback");
      }
      loopback =
          new LoopbackProcesses(
              bin,
              compiled.directory(),
              plan,
              compiled.config().vocabSize(),
              java.time.Duration.ofSeconds(120),
              err);
    }
    BenchRunner runner =
        new BenchRunner(compiled, model, format, settings.blockSize(), plan, loopback, err);
    List<BenchResult> measured = runner.run(threads, cuts);
    // After the runs: the copy's arrays would otherwise stay resident in the heap and inflate every
    // peak RSS.
    int maxThreads = threads.stream().mapToInt(Integer::intValue).max().orElse(1);
    err.printf(
        "bench: measuring memory bandwidth (%d MB copy, %d thread(s))%n", bandwidthMb, maxThreads);
    err.flush();
    StreamCopy.Result bandwidth =
        new StreamCopy((long) bandwidthMb << 20, maxThreads, 10).measure();
    List<BenchResult> results =
        measured.stream().map(r -> r.withCopyBandwidth(bandwidth.bestGbPerSecond())).toList();
    ReportWriter report =
        new ReportWriter(
            results,
            bandwidth,
            commandLine(),
            machine() + "; load average before " + loadBefore + ", after " + loadAverage());
    out.print(report.table());
    report.write(out());
    out.printf("wrote %s and %s%n", out().resolve("bench.json"), out().resolve("bench.md"));
    out.flush();
    return 0;
  }

  /**
   * {@code bin/edgesplit} of the running installation (the launcher sets {@code edgesplit.home}).
   */
  private static Path defaultLauncher() {
    String home = System.getProperty("edgesplit.home");
    return home == null ? null : Path.of(home, "bin", "edgesplit");
  }

  private Path out() {
    return this.out;
  }

  private String commandLine() {
    List<String> original = spec.commandLine().getParseResult().originalArgs();
    List<String> args = new ArrayList<>(List.of("./edgesplit"));
    if (original.isEmpty() || !original.get(0).equals("bench")) {
      args.add("bench"); // run as the root command (tests) rather than under the launcher
    }
    args.addAll(original);
    return String.join(" ", args);
  }

  private static String machine() {
    return String.format(
            Locale.ROOT,
            "Machine: %d cores (%s), %s, Java %s, ONNX Runtime",
            Runtime.getRuntime().availableProcessors(),
            cpuModel(),
            System.getProperty("os.arch"),
            System.getProperty("java.version"))
        + " "
        + ortVersion();
  }

  /** The 1-minute load average from /proc/loadavg ("?" elsewhere). */
  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException | RuntimeException e) {
      return "?";
    }
  }

  private static String cpuModel() {
    try {
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (java.io.IOException e) {
      // not Linux: the architecture alone identifies less, and that is fine
    }
    return "unknown CPU";
  }

  private static String ortVersion() {
    Package p = ai.onnxruntime.OrtEnvironment.class.getPackage();
    return p != null && p.getImplementationVersion() != null
        ? p.getImplementationVersion()
        : "(version unknown)";
  }
}
