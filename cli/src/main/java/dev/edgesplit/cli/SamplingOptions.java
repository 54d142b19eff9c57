package dev.edgesplit.cli;

import dev.edgesplit.engine.generate.GenerationRequest;
import dev.edgesplit.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Prompt and sampling options shared by run, generate and demo. */
final class SamplingOptions {

  @Option(
      names = "--prompt",
      defaultValue = "Once upon a time",
      description = "Prompt text (default: ${DEFAULT-VALUE}).")
  String prompt;

  @Option(
      names = "--max-tokens",
      defaultValue = "96",
      description =
          "Most tokens to generate (default: ${DEFAULT-VALUE}: 100 positions with the default prompt, as llama2.c -n 100).")
  int maxTokens;

  @Option(
      names = "--temperature",
      defaultValue = "0",
      description = "0 = greedy (default: ${DEFAULT-VALUE}).")
  float temperature;

  @Option(
      names = "--top-k",
      defaultValue = "0",
      description = "Keep the k most likely tokens; 0 = off.")
  int topK;

  @Option(
      names = "--top-p",
      defaultValue = "1",
      description = "Nucleus sampling threshold; 1 = off.")
  float topP;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Sampling seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--stop", description = "Stop when this string appears (repeatable).")
  List<String> stop = new ArrayList<>();

  SamplingParams params() {
    return new SamplingParams(temperature, topK, topP, seed);
  }

  GenerationRequest request() {
    return new GenerationRequest(prompt, maxTokens, params(), stop);
  }
}
