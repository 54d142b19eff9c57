package dev.edgesplit.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The {@code --return-cut M} option of the U-shaped split, checked the same way by every command.
 */
final class ReturnCut {

  private ReturnCut() {}

  /**
   * @throws ParameterException (a usage error, no stack trace) unless {@code cut < returnCut <=
   *     nLayers}
   */
  static void check(CommandSpec spec, int cut, Integer returnCut, int nLayers) {
    if (returnCut != null && (returnCut <= cut || returnCut > nLayers)) {
      throw new ParameterException(
          spec.commandLine(),
          "--return-cut "
              + returnCut
              + " must be above --cut "
              + cut
              + " and at most the model's "
              + nLayers
              + " layers");
    }
  }

  /** ", [M,N) + head (U-shaped: the cloud runs [k,M))" or "" for the plain split. */
  static String describe(Integer returnCut, int nLayers) {
    return returnCut == null || returnCut == nLayers
        ? ""
        : " and [" + returnCut + "," + nLayers + ") + LM head + sampling (U-shaped split)";
  }
}
