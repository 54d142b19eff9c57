package dev.edgesplit.cli;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.partitioner.options.ReturnCut;
import java.io.IOException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code --cut K} and the U shape's {@code --return-cut M} of a command that runs both sides itself
 * ({@code run}, {@code demo}): one declaration, one check. A picocli mixin.
 */
final class SplitShape {

  @Option(
      names = "--cut",
      paramLabel = "K",
      defaultValue = "2",
      description =
          "Layer cut: the edge runs embedding + layers [0,K) (default: ${DEFAULT-VALUE}).")
  int cut;

  @Option(
      names = "--return-cut",
      paramLabel = "M",
      description =
          "U-shaped split: the cloud runs only [K,M); [M,N), the head and sampling stay on the edge. "
              + "M = N is the plain split.")
  Integer returnCut;

  /**
   * {@code model} compiled for this shape (the cut's segments, or every layer for the U shape's
   * three ranges), with the cuts checked against it: a usage error (exit 2) when they do not fit.
   */
  CompiledModel compiled(CommandSpec spec, ModelOptions model) throws IOException {
    CompiledModel compiled =
        model.compiled(spec.commandLine().getErr(), returnCut == null ? cut : null);
    int n = compiled.config().nLayers();
    if (cut < 0 || cut > n) {
      throw new ParameterException(spec.commandLine(), "--cut " + cut + " outside 0.." + n);
    }
    ReturnCut.check(spec, cut, returnCut, n);
    return compiled;
  }

  /** True for the U shape proper ({@code M = N} is the plain split). */
  boolean uShaped(int nLayers) {
    return returnCut != null && returnCut < nLayers;
  }
}
