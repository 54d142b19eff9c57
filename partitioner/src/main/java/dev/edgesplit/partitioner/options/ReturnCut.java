package dev.edgesplit.partitioner.options;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The {@code --return-cut M} option of the U-shaped split, checked the same way by every command
 * (edge, cloud, demo, run, bench, plan).
 */
public final class ReturnCut {

  private ReturnCut() {}

  /**
   * @throws ParameterException (a usage error, no stack trace) unless {@code cut < returnCut <=
   *     nLayers}
   */
  public static void check(CommandSpec spec, int cut, Integer returnCut, int nLayers) {
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

  /**
   * For a command that prices every cut below M ({@code plan}).
   *
   * @throws ParameterException unless {@code 1 <= returnCut <= nLayers}
   */
  public static void check(CommandSpec spec, Integer returnCut, int nLayers) {
    if (returnCut != null && (returnCut < 1 || returnCut > nLayers)) {
      throw new ParameterException(
          spec.commandLine(),
          "--return-cut " + returnCut + " must be from 1 to the model's " + nLayers + " layers");
    }
  }

  /** ", [M,N) + head (U-shaped: the cloud runs [k,M))" or "" for the plain split. */
  public static String describe(Integer returnCut, int nLayers) {
    return returnCut == null || returnCut == nLayers
        ? ""
        : " and [" + returnCut + "," + nLayers + ") + LM head + sampling (U-shaped split)";
  }
}
