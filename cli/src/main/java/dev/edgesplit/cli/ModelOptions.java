package dev.edgesplit.cli;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.cache.CompileSettings;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.partitioner.options.QuantOptions;
import dev.edgesplit.partitioner.quant.QuantMethod;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by every command that loads a model. */
final class ModelOptions {

  @Option(
      names = "--model",
      paramLabel = "PATH",
      description =
          "llama2.c checkpoint (.bin or its directory), GGUF file, Hugging Face directory, "
              + "hf:ORG/NAME[@REVISION][/FILE.gguf] (downloaded into the Hub's cache), compiled directory, "
              + "or synthetic:NAME (${COMPLETION-CANDIDATES}). Default: $EDGESPLIT_MODEL, else the bundled stories260K.")
  String model;

  @Option(
      names = "--edge-quant",
      paramLabel = "FORMAT",
      defaultValue = "fp32",
      description = "Weights of edge layers: fp32, int8 or int4 (default: ${DEFAULT-VALUE}).")
  String edgeQuant;

  @Option(
      names = "--cloud-quant",
      paramLabel = "FORMAT",
      defaultValue = "fp32",
      description = "Weights of cloud layers (default: ${DEFAULT-VALUE}).")
  String cloudQuant;

  @Option(
      names = "--max-context",
      paramLabel = "N",
      defaultValue = "0",
      description = "Longest context to compile for; 0 = the model's, capped at 4096.")
  int maxContext;

  // --accuracy-level and --block-size, shared with bench.
  @Mixin QuantOptions quant = new QuantOptions();

  @Option(
      names = "--quantizer",
      paramLabel = "METHOD",
      defaultValue = "rtn",
      description =
          "How int8/int4 weights are rounded: rtn (round to nearest, clip search), awq (errors "
              + "weighted by calibration activations) or gptq (error compensation from calibration inputs) "
              + "(default: ${DEFAULT-VALUE}).")
  String quantizer;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "1",
      description = "ONNX Runtime threads per run (default: ${DEFAULT-VALUE}).")
  int threads;

  /** These options with {@code format} weights on both sides (a draft model's own compile). */
  ModelOptions withWeights(String format) {
    ModelOptions copy = new ModelOptions();
    copy.model = model;
    copy.edgeQuant = format;
    copy.cloudQuant = format;
    copy.maxContext = maxContext;
    copy.quant = quant.copy();
    copy.quantizer = quantizer;
    copy.threads = threads;
    return copy;
  }

  QuantMethod quantMethod() {
    return QuantMethod.parse(quantizer);
  }

  WeightFormat edge() {
    return WeightFormat.parse(edgeQuant);
  }

  WeightFormat cloud() {
    return WeightFormat.parse(cloudQuant);
  }

  CompileSettings settings() {
    return new CompileSettings(
        edge(), cloud(), maxContext, quant.accuracyLevel(), quant.blockSize(), quantMethod());
  }

  /**
   * The model these options name (the default when none), compiled once into the workspace's cache.
   */
  CompiledModel compiled(PrintWriter log, Integer cut) throws IOException {
    return compiled(ModelCache.resolveName(model, log), log, cut);
  }

  /** The model {@code name} compiled with these options (their {@code --model} ignored). */
  CompiledModel compiled(String name, PrintWriter log, Integer cut) throws IOException {
    return ModelCache.inWorkspace(log).compiled(name, settings(), cut);
  }
}
