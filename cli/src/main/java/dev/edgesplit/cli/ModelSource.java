package dev.edgesplit.cli;

import dev.edgesplit.engine.segment.CompiledManifest;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.Fingerprints;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.model.SyntheticModels;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Resolves {@code --model} to a compiled model: a compiled directory as is, or a checkpoint (or
 * {@code synthetic:NAME}) imported and compiled once into the workspace cache, keyed by the source files'
 * identity and the compile options.
 */
final class ModelSource {

  static final String SYNTHETIC = "synthetic:";
  private static final int DEFAULT_CONTEXT_CAP = 4096;
  private static final String KEY_FILE = "source.key";

  private final PrintWriter log;

  ModelSource(PrintWriter log) {
    this.log = log;
  }

  /**
   * {@code --model}, else {@code $EDGESPLIT_MODEL}, else stories260K from {@code $EDGESPLIT_MODELS}, else the
   * default model cached in the workspace, else downloaded there (with a checksum), else, offline, the synthetic
   * tiny model with a warning that its text is noise.
   */
  static String resolveName(String option, PrintWriter log) {
    if (option != null && !option.isBlank()) {
      return option;
    }
    String env = System.getenv("EDGESPLIT_MODEL");
    if (env != null && !env.isBlank()) {
      return env;
    }
    for (String root : new String[] {System.getenv("EDGESPLIT_MODELS"), System.getProperty("edgesplit.models")}) {
      if (root != null && Files.isDirectory(Path.of(root, "stories260K"))) {
        return Path.of(root, "stories260K").toString();
      }
    }
    DefaultModel fallback = DefaultModel.inWorkspace(log);
    if (fallback.cached()) {
      return fallback.directory().toString();
    }
    try {
      log.println("no model given: downloading stories260K into " + fallback.directory());
      log.flush();
      return fallback.fetch().toString();
    } catch (IOException e) {
      log.println("warning: cannot download the default model (" + e + "); using " + SYNTHETIC
          + "tiny, random weights: its text is noise. Pass --model PATH for a real model.");
      log.flush();
      return SYNTHETIC + "tiny";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while downloading the default model", e);
    }
  }

  /** The compiled model for these options; {@code cut} null compiles one segment per layer. */
  CompiledModel compiled(ModelOptions options, Integer cut) throws IOException {
    return compiled(resolveName(options.model, log), options, cut);
  }

  /**
   * The compiled model of {@code name} (a compiled directory, a checkpoint or {@code synthetic:NAME}), compiled
   * with {@code options} (its {@code --model} is ignored); {@code cut} null compiles one segment per layer.
   */
  CompiledModel compiled(String name, ModelOptions options, Integer cut) throws IOException {
    if (!name.startsWith(SYNTHETIC) && Files.isRegularFile(Path.of(name, CompiledManifest.FILE_NAME))) {
      return CompiledModel.load(Path.of(name));
    }
    String key = Fingerprints.sha256OfText(String.join("|", sourceIdentity(name), options.edge().name(),
        options.cloud().name(), String.valueOf(cut), String.valueOf(options.maxContext),
        String.valueOf(options.accuracyLevel), String.valueOf(options.blockSize), options.quantMethod().name(), CompiledManifest.FORMAT,
        Compiler.VERSION));
    Path dir = Workspace.compiledCache().resolve(key.substring(0, 16));
    if (Files.isRegularFile(dir.resolve(KEY_FILE)) && Files.readString(dir.resolve(KEY_FILE)).equals(key)) {
      return CompiledModel.load(dir);
    }
    ModelWeights weights = importWeights(name);
    int context = options.maxContext > 0 ? options.maxContext
        : Math.min(weights.config().maxSeqLen(), DEFAULT_CONTEXT_CAP);
    log.printf("compiling %s (%s edge, %s cloud, %s) into %s%n", name, options.edge(), options.cloud(),
        cut == null ? "per-layer" : "cut " + cut, dir);
    log.flush();
    SegmentOptions seg = new SegmentOptions(context, options.blockSize, options.accuracyLevel, true);
    Path tmp = Files.createDirectories(Workspace.compiledCache()).resolve(dir.getFileName() + ".tmp" + ProcessHandle.current().pid());
    new Compiler(new CompileOptions(cut, options.edge(), options.cloud(), seg, options.quantMethod())).compile(weights, tmp);
    Files.writeString(tmp.resolve(KEY_FILE), key);
    deleteTree(dir);
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    return CompiledModel.load(dir);
  }

  /** Imports a checkpoint path, or generates {@code synthetic:NAME[:SEED]} with a warning. */
  ModelWeights importWeights(String name) {
    if (name.startsWith(SYNTHETIC)) {
      String[] parts = name.substring(SYNTHETIC.length()).split(":");
      long seed = parts.length > 1 ? Long.parseLong(parts[1]) : 1L;
      log.printf("warning: %s has random weights (real shapes): its text is noise%n", name);
      log.flush();
      ModelWeights w = SyntheticModels.generate(parts[0], seed);
      return w.config().maxSeqLen() > DEFAULT_CONTEXT_CAP
          ? SyntheticModels.generate(parts[0], seed, DEFAULT_CONTEXT_CAP) : w;
    }
    return ModelImporter.load(Path.of(name));
  }

  /** Cheap identity of a source: paths, sizes and modification times of its files. */
  private static String sourceIdentity(String name) throws IOException {
    if (name.startsWith(SYNTHETIC)) {
      return name;
    }
    return Fingerprints.fileIdentity(Path.of(name));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  static List<String> syntheticNames() {
    return SyntheticModels.NAMES;
  }
}
