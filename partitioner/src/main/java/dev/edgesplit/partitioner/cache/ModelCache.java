package dev.edgesplit.partitioner.cache;

import dev.edgesplit.engine.segment.CompiledManifest;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.hub.HubClient;
import dev.edgesplit.partitioner.hub.HubModelId;
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
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The one compile cache of the CLI and the bench: resolves a model name (a compiled directory as
 * is, a checkpoint, or {@code synthetic:NAME[:SEED]}) to a compiled model, imported and compiled
 * once into {@code $EDGESPLIT_HOME/compiled}, keyed by the source files' identity, the compile
 * settings and the compiler's version (a directory written by an older compiler holds other graphs
 * and is never reused). Not thread-safe: one per command.
 */
public final class ModelCache {

  /** Prefix of generated models: random weights of a real shape. */
  public static final String SYNTHETIC = "synthetic:";

  /** Longest context compiled when the settings leave it to the model. */
  public static final int DEFAULT_CONTEXT_CAP = 4096;

  private static final String KEY_FILE = "source.key";

  private final Path root;
  private final PrintWriter log;

  /** A cache in {@code root}, reporting compiles and warnings on {@code log}. */
  public ModelCache(Path root, PrintWriter log) {
    this.root = root;
    this.log = log;
  }

  /**
   * The cache of the workspace: {@code $EDGESPLIT_HOME/compiled}, else {@code
   * ~/.edgesplit/compiled}.
   */
  public static ModelCache inWorkspace(PrintWriter log) {
    return new ModelCache(Workspace.compiledCache(), log);
  }

  /** Whether {@code name} is a generated model ({@code synthetic:NAME[:SEED]}). */
  public static boolean isSynthetic(String name) {
    return name.startsWith(SYNTHETIC);
  }

  /** The shapes {@code synthetic:NAME} knows. */
  public static List<String> syntheticNames() {
    return SyntheticModels.NAMES;
  }

  /**
   * {@code --model}, else {@code $EDGESPLIT_MODEL}, else stories260K from {@code
   * $EDGESPLIT_MODELS}, else the stories260K shipped with the installation, else the default model
   * cached in the workspace, else downloaded there (with a checksum), else, offline, the synthetic
   * tiny model with a warning that its text is noise.
   */
  public static String resolveName(String option, PrintWriter log) {
    if (option != null && !option.isBlank()) {
      return local(option, log);
    }
    String env = System.getenv("EDGESPLIT_MODEL");
    if (env != null && !env.isBlank()) {
      return local(env, log);
    }
    for (String root :
        new String[] {System.getenv("EDGESPLIT_MODELS"), System.getProperty("edgesplit.models")}) {
      if (root != null && Files.isDirectory(Path.of(root, "stories260K"))) {
        return Path.of(root, "stories260K").toString();
      }
    }
    Optional<Path> bundled = DefaultModel.bundled();
    if (bundled.isPresent()) {
      return bundled.get().toString();
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
      log.println(
          "warning: cannot download the default model ("
              + e
              + "); using "
              + SYNTHETIC
              + "tiny, random weights: its text is noise. Pass --model PATH for a real model.");
      log.flush();
      return SYNTHETIC + "tiny";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while downloading the default model", e);
    }
  }

  /**
   * {@code hf:ORG/NAME[@REVISION][/FILE.gguf]} fetched into (or found in) the Hub's cache; other
   * names as they are.
   */
  private static String local(String name, PrintWriter log) {
    if (!HubModelId.isHub(name)) {
      return name;
    }
    return HubClient.fromEnvironment(System.getenv(), log).fetch(HubModelId.parse(name)).toString();
  }

  /**
   * The compiled model of {@code name} (a compiled directory, a checkpoint or {@code
   * synthetic:NAME}), compiled with {@code settings}; {@code cut} null compiles one segment per
   * layer.
   */
  public CompiledModel compiled(String name, CompileSettings settings, Integer cut)
      throws IOException {
    if (!isSynthetic(name) && Files.isRegularFile(Path.of(name, CompiledManifest.FILE_NAME))) {
      return CompiledModel.load(Path.of(name));
    }
    String key =
        Fingerprints.sha256OfText(
            String.join(
                "|",
                sourceIdentity(name),
                settings.edge().name(),
                settings.cloud().name(),
                String.valueOf(cut),
                String.valueOf(settings.maxContext()),
                String.valueOf(settings.accuracyLevel()),
                String.valueOf(settings.blockSize()),
                settings.quantMethod().name(),
                CompiledManifest.FORMAT,
                Compiler.VERSION));
    Path dir = root.resolve(key.substring(0, 16));
    if (Files.isRegularFile(dir.resolve(KEY_FILE))
        && Files.readString(dir.resolve(KEY_FILE)).equals(key)) {
      return CompiledModel.load(dir);
    }
    ModelWeights weights = importWeights(name);
    int context =
        settings.maxContext() > 0
            ? settings.maxContext()
            : Math.min(weights.config().maxSeqLen(), DEFAULT_CONTEXT_CAP);
    log.printf(
        "compiling %s (%s edge, %s cloud, %s) into %s%n",
        name, settings.edge(), settings.cloud(), cut == null ? "per-layer" : "cut " + cut, dir);
    log.flush();
    SegmentOptions seg =
        new SegmentOptions(context, settings.blockSize(), settings.accuracyLevel(), true);
    Path tmp =
        Files.createDirectories(root)
            .resolve(dir.getFileName() + ".tmp" + ProcessHandle.current().pid());
    Compiler compiler =
        new Compiler(
            new CompileOptions(
                cut, settings.edge(), settings.cloud(), seg, settings.quantMethod()));
    compiler.compile(weights, tmp);
    compiler.weightOrigins(weights).forEach(line -> log.println("weights " + line));
    Files.writeString(tmp.resolve(KEY_FILE), key);
    deleteTree(dir);
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    return CompiledModel.load(dir);
  }

  /**
   * A benchmark's compiled model ({@link BenchModel}: whole, per-layer and both sides of each cut,
   * one weight format) in {@code bench-NAME-FORMAT-KEY} of this cache, writing what is missing.
   */
  public CompiledModel bench(
      String name, WeightFormat format, BenchModel.Settings settings, Collection<Integer> cuts)
      throws IOException {
    String key =
        Fingerprints.sha256OfText(
                String.join(
                    "|",
                    sourceIdentity(name),
                    format.name(),
                    String.valueOf(settings.maxContext()),
                    String.valueOf(settings.blockSize()),
                    String.valueOf(settings.accuracyLevel()),
                    CompiledManifest.FORMAT,
                    Compiler.VERSION))
            .substring(0, 12);
    Path dir =
        root.resolve(
            "bench-" + shortName(name) + "-" + format.name().toLowerCase(Locale.ROOT) + "-" + key);
    return new BenchModel(dir, format, settings, log)
        .ensure(cuts, () -> benchWeights(name, settings.maxContext()));
  }

  /**
   * Imports a checkpoint path, or generates {@code synthetic:NAME[:SEED]} (context capped) with a
   * warning.
   */
  public ModelWeights importWeights(String name) {
    if (isSynthetic(name)) {
      Synthetic s = Synthetic.parse(name);
      log.printf("warning: %s has random weights (real shapes): its text is noise%n", name);
      log.flush();
      ModelWeights w = SyntheticModels.generate(s.shape(), s.seed());
      return w.config().maxSeqLen() > DEFAULT_CONTEXT_CAP
          ? SyntheticModels.generate(s.shape(), s.seed(), DEFAULT_CONTEXT_CAP)
          : w;
    }
    ModelWeights weights = ModelImporter.load(Path.of(name));
    weights.notices().forEach(line -> log.println("notice: " + line));
    log.flush();
    return weights;
  }

  private ModelWeights benchWeights(String name, int maxContext) {
    long started = System.nanoTime();
    ModelWeights w;
    if (isSynthetic(name)) {
      Synthetic s = Synthetic.parse(name);
      log.printf(
          "bench: generating %s (random weights, real shape; results are labeled synthetic)%n",
          name);
      w = SyntheticModels.generate(s.shape(), s.seed(), maxContext);
    } else {
      w = ModelImporter.load(Path.of(name));
    }
    log.printf("bench: weights ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
    log.flush();
    return w;
  }

  /** {@code synthetic:SHAPE[:SEED]}, seed 1 when absent. */
  private record Synthetic(String shape, long seed) {
    static Synthetic parse(String name) {
      String[] parts = name.substring(SYNTHETIC.length()).split(":");
      return new Synthetic(parts[0], parts.length > 1 ? Long.parseLong(parts[1]) : 1L);
    }
  }

  private static String shortName(String name) {
    String shortName =
        isSynthetic(name)
            ? name.substring(SYNTHETIC.length())
            : Path.of(name).getFileName().toString();
    return shortName.replaceAll("[^A-Za-z0-9.-]", "_");
  }

  /**
   * Cheap identity of a source: a synthetic name as is; paths, sizes and modification times of its
   * files.
   */
  private static String sourceIdentity(String name) throws IOException {
    return isSynthetic(name) ? name : Fingerprints.fileIdentity(Path.of(name));
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
}
