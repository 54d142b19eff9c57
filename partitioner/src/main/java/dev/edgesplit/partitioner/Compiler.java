package dev.edgesplit.partitioner;

import dev.edgesplit.engine.segment.CompiledManifest;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.SegmentEntry;
import dev.edgesplit.engine.segment.SegmentSpec;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.TokenizerConfig;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.model.SyntheticModels;
import dev.edgesplit.partitioner.model.SyntheticVocabulary;
import dev.edgesplit.partitioner.onnx.SegmentWriter;
import dev.edgesplit.partitioner.quant.ActivationStats;
import dev.edgesplit.partitioner.quant.Calibration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns imported weights into a compiled model directory: ONNX segments, {@code plan.json} and the
 * tokenizer. Either one edge and one cloud segment for a fixed cut, or one segment per layer (in
 * each side's weight format) so that any cut can be served without recompiling.
 */
public final class Compiler {

  /** Bumped whenever the segments written for the same inputs change (caches key on it). */
  public static final String VERSION = "7";

  private final CompileOptions options;

  public Compiler(CompileOptions options) {
    this.options = options;
  }

  public CompiledModel compile(ModelWeights model, Path outDir) throws IOException {
    Files.createDirectories(outDir);
    boolean quantizes = options.edgeWeights().quantized() || options.cloudWeights().quantized();
    ActivationStats calibration =
        options.quantMethod().calibrated() && quantizes ? Calibration.stats(model) : null;
    SegmentWriter writer =
        new SegmentWriter(model, options.segment(), calibration, options.quantMethod());
    List<SegmentEntry> entries = new ArrayList<>();
    int n = model.config().nLayers();
    if (options.cut() != null) {
      int cut = options.cut();
      if (cut < 0 || cut > n) {
        throw new IllegalArgumentException(
            "cut " + cut + " outside 0.." + n + " for a " + n + "-layer model");
      }
      entries.add(write(writer, SegmentSpec.edge(cut, options.edgeWeights()), outDir, "edge.onnx"));
      entries.add(
          write(writer, SegmentSpec.cloud(cut, n, options.cloudWeights()), outDir, "cloud.onnx"));
    } else {
      entries.add(
          write(
              writer, new SegmentSpec(0, 0, true, false, WeightFormat.FP32), outDir, "embed.onnx"));
      Set<WeightFormat> formats =
          new LinkedHashSet<>(List.of(options.edgeWeights(), options.cloudWeights()));
      for (int layer = 0; layer < n; layer++) {
        for (WeightFormat f : formats) {
          String name =
              String.format(
                  "layer-%03d-%s.onnx", layer, f.name().toLowerCase(java.util.Locale.ROOT));
          entries.add(
              write(writer, new SegmentSpec(layer, layer + 1, false, false, f), outDir, name));
        }
      }
      entries.add(
          write(
              writer,
              new SegmentSpec(n, n, false, true, options.cloudWeights()),
              outDir,
              "head.onnx"));
    }
    String tokenizer = installTokenizer(model, outDir);
    CompiledManifest manifest =
        new CompiledManifest(
            CompiledManifest.FORMAT,
            model.config(),
            model.fingerprint(),
            tokenizer,
            options.segment().maxContext(),
            options.cut(),
            options.edgeWeights(),
            options.cloudWeights(),
            entries);
    CompiledModel.writeManifest(outDir, manifest);
    return CompiledModel.load(outDir);
  }

  /**
   * Copies the model's tokenizer (and the {@code tokenizer_config.json} beside it) into {@code
   * dir}; a synthetic model (random weights, no tokenizer) gets a placeholder llama2.c vocabulary
   * so that servers, which decode every token, can run it. Returns the file name, or null for a
   * real model that came without a tokenizer.
   */
  public static String installTokenizer(ModelWeights model, Path dir) throws IOException {
    if (model.tokenizer().isPresent()) {
      Path src = model.tokenizer().get();
      String name = src.getFileName().toString();
      Files.copy(src, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      // BOS/EOS and the chat template live beside the vocabulary (Hugging Face, and GGUF's
      // converted files).
      Path config = src.resolveSibling(TokenizerConfig.FILE_NAME);
      if (Files.isRegularFile(config) && !name.equals(TokenizerConfig.FILE_NAME)) {
        Files.copy(
            config, dir.resolve(TokenizerConfig.FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
      }
      return name;
    }
    if (model.config().architecture().startsWith(SyntheticModels.ARCHITECTURE_PREFIX)) {
      String name = "synthetic-tokenizer.bin";
      Files.write(dir.resolve(name), SyntheticVocabulary.llama2c(model.config().vocabSize()));
      return name;
    }
    return null;
  }

  /**
   * For each quantized weight format this compile writes, one line saying which weights keep the
   * file's own blocks exactly (GGUF Q8_0/Q4_0) and which are (re-)quantized; empty when the model
   * has no such blocks.
   */
  public List<String> weightOrigins(ModelWeights model) {
    List<String> lines = new ArrayList<>();
    if (model.exactBlocks().isEmpty()) {
      return lines;
    }
    SegmentWriter writer = new SegmentWriter(model, options.segment());
    for (WeightFormat f :
        new LinkedHashSet<>(List.of(options.edgeWeights(), options.cloudWeights()))) {
      if (!f.quantized()) {
        lines.add(
            f.name().toLowerCase(java.util.Locale.ROOT)
                + ": every weight dequantized exactly to fp32");
        continue;
      }
      Map<String, Map<String, Integer>> byOrigin = new java.util.TreeMap<>();
      writer
          .weightOrigins(f)
          .forEach(
              (names, origin) ->
                  byOrigin
                      .computeIfAbsent(origin, o -> new LinkedHashMap<>())
                      .merge(names.replaceAll("layers\\.\\d+\\.", ""), 1, Integer::sum));
      StringBuilder line =
          new StringBuilder(f.name().toLowerCase(java.util.Locale.ROOT)).append(':');
      byOrigin.forEach(
          (origin, names) -> {
            line.append(' ').append(origin).append(": ");
            List<String> parts = new ArrayList<>();
            names.forEach(
                (name, count) -> parts.add(count > 1 ? name + " (" + count + " layers)" : name));
            line.append(String.join(", ", parts)).append(';');
          });
      lines.add(line.substring(0, line.length() - 1));
    }
    return lines;
  }

  private static SegmentEntry write(SegmentWriter writer, SegmentSpec spec, Path dir, String name)
      throws IOException {
    Path file = dir.resolve(name);
    writer.write(spec, file);
    return new SegmentEntry(
        name,
        spec.firstLayer(),
        spec.endLayer(),
        spec.embedding(),
        spec.head(),
        spec.weights(),
        CompiledModel.sha256(file));
  }
}
