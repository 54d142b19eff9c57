package dev.edgesplit.systest;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.testkit.SharedModels;
import dev.edgesplit.testkit.Stories260k;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real stories260K model compiled by the real compiler, once per test JVM: fp32 weights, one
 * segment per layer (so every cut and every U-shape can be opened), 512 positions.
 */
public final class CompiledStories {

  public static final String REFERENCE = Stories260k.REFERENCE;
  public static final String PROMPT = Stories260k.PROMPT;

  private static CompiledModel model;
  private static Tokenizer tokenizer;

  private CompiledStories() {}

  /** The shared per-layer fp32 build. */
  public static synchronized CompiledModel model() {
    if (model == null) {
      try {
        model =
            compile(
                null,
                WeightFormat.FP32,
                WeightFormat.FP32,
                512,
                Files.createTempDirectory("edgesplit-system-model"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      tokenizer = Tokenizers.load(model.tokenizerFile());
    }
    return model;
  }

  /** The shared build's tokenizer. */
  public static synchronized Tokenizer tokenizer() {
    model();
    return tokenizer;
  }

  /**
   * Compiles stories260K into {@code out}.
   *
   * @param cut the one cut to build for, or null for one segment per layer
   * @param edge the weights of the edge layers
   * @param cloud the weights of the cloud layers
   * @param context the most positions a session holds
   */
  public static CompiledModel compile(
      Integer cut, WeightFormat edge, WeightFormat cloud, int context, Path out) {
    try {
      return new Compiler(new CompileOptions(cut, edge, cloud, SegmentOptions.defaults(context)))
          .compile(ModelImporter.load(SharedModels.require("stories260K/stories260K.bin")), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The request whose greedy output is {@link #REFERENCE} (100 positions in all). */
  public static GenerateRequest referenceRequest() {
    int promptTokens = tokenizer().encode(PROMPT, true).length;
    return GenerateRequest.newBuilder()
        .setText(PROMPT)
        .setMaxNewTokens(100 - promptTokens + 1)
        .build();
  }
}
