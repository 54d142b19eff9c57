package dev.edgesplit.cli;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.SegmentEntry;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgesplit compile}: writes the edge and cloud segments and plan.json. */
@Command(
    name = "compile",
    mixinStandardHelpOptions = true,
    description = "Import a model, quantize the edge layers and write ONNX segments + plan.json.")
final class CompileCommand implements Callable<Integer> {

  @Mixin ModelOptions model;

  @Option(
      names = "--cut",
      paramLabel = "K",
      description = "Layer cut: the edge runs embedding + layers [0,K).")
  Integer cut;

  @Option(names = "--per-layer", description = "One segment per layer (any cut, no recompiling).")
  boolean perLayer;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output directory.")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if ((cut == null) == !perLayer) {
      throw new IllegalArgumentException("give exactly one of --cut K and --per-layer");
    }
    PrintWriter log = spec.commandLine().getErr();
    ModelWeights weights =
        ModelCache.inWorkspace(log).importWeights(ModelCache.resolveName(model.model, log));
    int context =
        model.maxContext > 0 ? model.maxContext : Math.min(weights.config().maxSeqLen(), 4096);
    long started = System.nanoTime();
    Compiler compiler =
        new Compiler(
            new CompileOptions(
                perLayer ? null : cut,
                model.edge(),
                model.cloud(),
                new SegmentOptions(
                    context, model.quant.blockSize(), model.quant.accuracyLevel(), true),
                model.quantMethod()));
    CompiledModel compiled = compiler.compile(weights, this.out);
    out.printf(
        "compiled %s (%d layers, d=%d, fingerprint %s) in %.1f s%n",
        weights.config().architecture(),
        weights.config().nLayers(),
        weights.config().dim(),
        compiled.fingerprint().substring(0, 16),
        (System.nanoTime() - started) / 1e9);
    for (SegmentEntry e : compiled.manifest().segments()) {
      out.printf(
          "  %-24s layers [%d,%d)%s%s %s %,d bytes%n",
          e.file(),
          e.firstLayer(),
          e.endLayer(),
          e.embedding() ? " +embedding" : "",
          e.head() ? " +head" : "",
          e.weights(),
          Files.size(this.out.resolve(e.file())));
    }
    out.printf("  plan.json%n");
    for (String line : compiler.weightOrigins(weights)) {
      out.printf("weights %s%n", line);
    }
    return 0;
  }
}
