package dev.edgesplit.cli;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.partitioner.quality.QualityEvaluator;
import dev.edgesplit.partitioner.quality.QualityReport;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgesplit quality}: top-1 agreement and KL of quantized edge layers against fp32. */
@Command(
    name = "quality",
    mixinStandardHelpOptions = true,
    description =
        "Measure how closely quantized edge layers follow fp32 (top-1 agreement, KL divergence).")
final class QualityCommand implements Callable<Integer> {

  @Mixin ModelOptions model;

  @Option(
      names = "--cut",
      paramLabel = "K",
      defaultValue = "3",
      description = "Quantize layers [0,K) (default: ${DEFAULT-VALUE}).")
  int cut;

  @Option(
      names = "--formats",
      split = ",",
      defaultValue = "int8,int4",
      description = "Edge formats to test (default: ${DEFAULT-VALUE}).")
  List<String> formats;

  @Option(
      names = "--sequences",
      defaultValue = "16",
      description = "Sampled sequences (default: ${DEFAULT-VALUE}).")
  int sequences;

  @Option(
      names = "--length",
      defaultValue = "128",
      description = "Positions per sequence (default: ${DEFAULT-VALUE}).")
  int length;

  @Option(
      names = "--reference",
      paramLabel = "MODEL",
      description =
          "Compare against this model's fp32 layers instead of the model's own (e.g. a Q8_0 GGUF"
              + " against the F32 file of the same weights).")
  String reference;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CompiledModel referenceModel = null;
    if (reference != null) {
      model.edgeQuant = "fp32";
      model.cloudQuant = "fp32";
      referenceModel = model.compiled(ModelCache.resolveName(reference, err), err, null);
    }
    out.printf(
        "%-6s %4s %9s %14s %12s %10s%n",
        "edge", "cut", "positions", "top-1 agree", "mean KL", "max KL");
    for (String f : formats) {
      model.edgeQuant = f;
      model.cloudQuant = "fp32";
      CompiledModel compiled = model.compiled(spec.commandLine().getErr(), null);
      int bos = Tokenizers.load(compiled.tokenizerFile()).bos();
      QualityReport r =
          new QualityEvaluator(
                  compiled,
                  referenceModel == null ? compiled : referenceModel,
                  new RuntimeOptions(model.threads, 0))
              .evaluate(cut, sequences, length, bos);
      out.printf(
          "%-6s %4d %9d %13.2f%% %12.5f %10.4f%n",
          r.format().name().toLowerCase(java.util.Locale.ROOT),
          r.cut(),
          r.positions(),
          100 * r.top1Agreement(),
          r.meanKl(),
          r.maxKl());
      out.flush();
    }
    return 0;
  }
}
