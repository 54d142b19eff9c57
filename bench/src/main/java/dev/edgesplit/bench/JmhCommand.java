package dev.edgesplit.bench;

import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgesplit bench jmh}: the JMH micro-benchmarks with the GC (allocation) profiler: one
 * decode step, the cloud's sampling of one token, or a gRPC round trip of a decode-sized frame on
 * loopback.
 */
@Command(
    name = "jmh",
    mixinStandardHelpOptions = true,
    description =
        "JMH micro-benchmark of one decode step (edge, cloud, whole), or with --sampler of sampling one "
            + "token with and without its log probability, or with --link of a gRPC round trip on loopback; with -prof gc.")
public final class JmhCommand implements Callable<Integer> {

  @Option(
      names = "--model-dir",
      paramLabel = "DIR",
      description =
          "Compiled bench model directory (printed by edgesplit bench); needed for the decode step.")
  String modelDir;

  @Option(names = "--sampler", description = "Benchmark sampling instead of the decode step.")
  boolean sampler;

  @Option(
      names = "--link",
      description =
          "Benchmark a gRPC round trip of a decode-sized frame on loopback, "
              + "back to back and after 5 ms idle, instead of the decode step.")
  boolean link;

  @Option(
      names = "--vocab",
      defaultValue = "49152",
      description = "Vocabulary size for --sampler (default: ${DEFAULT-VALUE}).")
  int vocab;

  @Option(
      names = "--side",
      split = ",",
      defaultValue = "edge,cloud,whole",
      description = "Which chains (default: ${DEFAULT-VALUE}).")
  List<String> sides;

  @Option(names = "--cut", defaultValue = "10", description = "Cut (default: ${DEFAULT-VALUE}).")
  int cut;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "ONNX Runtime threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--quant",
      defaultValue = "int4",
      description = "Weights of the whole chain (default: ${DEFAULT-VALUE}).")
  String quant;

  @Option(
      names = "--runner",
      split = ",",
      defaultValue = "iobinding",
      description =
          "How a decode step calls ONNX Runtime: iobinding (bound once, allocation-free) or session-run "
              + "(OrtSession.run per segment, the fallback); a list runs each (default: ${DEFAULT-VALUE}).")
  List<String> runners;

  @Option(
      names = "--iterations",
      defaultValue = "3",
      description = "Warm-up and measured iterations of 1 s each.")
  int iterations;

  @Override
  public Integer call() throws Exception {
    // The fork's class path goes into a manifest jar: ONNX Runtime 1.29 crashes on command lines
    // over ~4 KB.
    System.setProperty("jmh.separateClasspathJAR", "true");
    ChainedOptionsBuilder options = new OptionsBuilder();
    if (sampler) {
      options.include(SamplerBenchmark.class.getName()).param("vocab", Integer.toString(vocab));
    } else if (link) {
      options.include(LinkRoundTripBenchmark.class.getName());
    } else {
      if (modelDir == null) {
        throw new IllegalArgumentException(
            "give --model-dir DIR (a compiled bench model), or --sampler");
      }
      options
          .include(DecodeStepBenchmark.class.getName() + ".step")
          .param("modelDir", modelDir)
          .param("side", sides.toArray(new String[0]))
          .param("cut", Integer.toString(cut))
          .param("threads", Integer.toString(threads))
          .param("quant", quant)
          .param("runner", runners.toArray(new String[0]));
    }
    options
        .addProfiler(GCProfiler.class)
        .forks(1)
        .warmupIterations(iterations)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(iterations)
        .measurementTime(TimeValue.seconds(1));
    for (RunResult r : new Runner(options.build()).run()) {
      if (r.getPrimaryResult().getScore() <= 0) {
        return 1;
      }
    }
    return 0;
  }
}
