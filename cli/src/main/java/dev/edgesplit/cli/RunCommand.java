package dev.edgesplit.cli;

import dev.edgesplit.engine.generate.GenerationRequest;
import dev.edgesplit.engine.generate.GenerationResult;
import dev.edgesplit.engine.generate.LocalGenerator;
import dev.edgesplit.engine.segment.CompiledManifest;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code edgesplit run}: generates through the edge and cloud segments chained in this process. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Generate text locally through both segments chained in one process (no network).")
final class RunCommand implements Callable<Integer> {

  @Mixin ModelOptions model;

  @Mixin SplitShape shape;

  @Mixin SamplingOptions sampling;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CompiledModel compiled = shape.compiled(spec, model);
    int n = compiled.config().nLayers();
    int cut = shape.cut;
    Integer returnCut = shape.returnCut;
    boolean uShaped = shape.uShaped(n);
    RuntimeOptions runtime = new RuntimeOptions(model.threads, 0);
    Tokenizer tokenizer = Tokenizers.load(compiled.tokenizerFile());
    CompiledManifest manifest = compiled.manifest();
    try (SegmentChain edge = compiled.openEdge(cut, runtime);
        SegmentChain cloud =
            uShaped
                ? compiled.openLayers(
                    cut, returnCut, false, false, manifest.cloudWeights(), runtime)
                : compiled.openCloud(cut, runtime);
        SegmentChain tail =
            uShaped
                ? compiled.openLayers(returnCut, n, false, true, manifest.edgeWeights(), runtime)
                : null) {
      GenerationRequest request = sampling.request();
      out.print(request.prompt());
      out.flush();
      LocalGenerator generator =
          uShaped
              ? new LocalGenerator(edge, cloud, tail, tokenizer)
              : new LocalGenerator(edge, cloud, tokenizer);
      GenerationResult result =
          generator.generate(
              request,
              (id, text, lp) -> {
                out.print(text);
                out.flush();
              });
      out.println();
      err.printf(
          "%d prompt + %d generated tokens, %s; first token %.1f ms, decode %.1f tokens/s (cut %d%s, %s edge)%n",
          result.promptTokens(),
          result.generatedTokens(),
          result.reason(),
          result.firstTokenNanos() / 1e6,
          result.decodeTokensPerSecond(),
          cut,
          uShaped ? ", U-shaped: cloud side [" + cut + "," + returnCut + ")" : "",
          model.edge());
    }
    return 0;
  }
}
