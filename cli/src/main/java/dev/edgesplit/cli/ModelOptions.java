package dev.edgesplit.cli;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.cache.CompileSettings;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.partitioner.quant.QuantMethod;
import java.io.IOException;
import java.io.PrintWriter;
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

  // 4 keeps the quality bars (stories260K, ./edgesplit quality: int8 99.37% top-1 agreement against
  // 99.61% exact,
  // int4 91.31% against 91.21%) and decodes 1.8x faster than 0 (docs/quantization.md).
  @Option(
      names = "--accuracy-level",
      paramLabel = "L",
      defaultValue = "4",
      description =
          "MatMulNBits accuracy_level of int8/int4 weights: 4 int8 compute (default, faster), 0 exact fp32.")
  int accuracyLevel;

  @Option(
      names = "--block-size",
      paramLabel = "B",
      defaultValue = "32",
      description =
          "Quantization block size along the input dimension (default: ${DEFAULT-VALUE}).")
  int blockSize;

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
    copy.accuracyLevel = accuracyLevel;
    copy.blockSize = blockSize;
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
        edge(), cloud(), maxContext, accuracyLevel, blockSize, quantMethod());
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
