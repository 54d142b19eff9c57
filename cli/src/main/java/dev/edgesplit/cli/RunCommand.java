package dev.edgesplit.cli;

import dev.edgesplit.engine.generate.GenerationRequest;
import dev.edgesplit.engine.generate.GenerationResult;
import dev.edgesplit.engine.generate.LocalGenerator;
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
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgesplit run}: generates through the edge and cloud segments chained in this process. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Generate text locally through both segments chained in one process (no network).")
final class RunCommand implements Callable<Integer> {

  @Mixin ModelOptions model;

  @Option(
      names = "--cut",
      paramLabel = "K",
      defaultValue = "2",
      description = "Layer cut (default: ${DEFAULT-VALUE}).")
  int cut;

  @Mixin SamplingOptions sampling;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CompiledModel compiled = model.compiled(err, cut);
    if (cut < 0 || cut > compiled.config().nLayers()) {
      throw new IllegalArgumentException(
          "cut " + cut + " outside 0.." + compiled.config().nLayers());
    }
    RuntimeOptions runtime = new RuntimeOptions(model.threads, 0);
    Tokenizer tokenizer = Tokenizers.load(compiled.tokenizerFile());
    try (SegmentChain edge = compiled.openEdge(cut, runtime);
        SegmentChain cloud = compiled.openCloud(cut, runtime)) {
      GenerationRequest request = sampling.request();
      out.print(request.prompt());
      out.flush();
      GenerationResult result =
          new LocalGenerator(edge, cloud, tokenizer)
              .generate(
                  request,
                  (id, text, lp) -> {
                    out.print(text);
                    out.flush();
                  });
      out.println();
      err.printf(
          "%d prompt + %d generated tokens, %s; first token %.1f ms, decode %.1f tokens/s (cut %d, %s edge)%n",
          result.promptTokens(),
          result.generatedTokens(),
          result.reason(),
          result.firstTokenNanos() / 1e6,
          result.decodeTokensPerSecond(),
          cut,
          model.edge());
    }
    return 0;
  }
}
