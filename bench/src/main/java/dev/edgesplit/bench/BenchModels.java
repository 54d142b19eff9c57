package dev.edgesplit.bench;

import dev.edgesplit.engine.segment.CompiledManifest;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.Fingerprints;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.model.SyntheticModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Resolves a benchmark's {@code --model} ({@code synthetic:NAME[:SEED]} or a checkpoint path) to its
 * {@link BenchModel} directory under {@code CACHE/bench-...}, keyed by the source, the compile settings and the
 * compiler's version (a directory written by an older compiler holds other graphs and is never reused).
 */
final class BenchModels {

  static final String SYNTHETIC = "synthetic:";

  private final Path cache;
  private final PrintWriter log;

  BenchModels(Path cache, PrintWriter log) {
    this.cache = cache;
    this.log = log;
  }

  /** {@code $EDGESPLIT_HOME/compiled}, else {@code ~/.edgesplit/compiled} (the CLI's compiled cache). */
  static Path defaultCache() {
    String env = System.getenv("EDGESPLIT_HOME");
    Path home = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".edgesplit");
    return home.resolve("compiled");
  }

  static boolean isSynthetic(String model) {
    return model.startsWith(SYNTHETIC);
  }

  CompiledModel compiled(String model, WeightFormat format, BenchModel.Settings settings, Collection<Integer> cuts)
      throws IOException {
    String key = Fingerprints.sha256OfText(String.join("|", identity(model), format.name(),
        String.valueOf(settings.maxContext()), String.valueOf(settings.blockSize()),
        String.valueOf(settings.accuracyLevel()), CompiledManifest.FORMAT, Compiler.VERSION)).substring(0, 12);
    Path dir = cache.resolve("bench-" + shortName(model) + "-" + format.name().toLowerCase(Locale.ROOT) + "-" + key);
    return new BenchModel(dir, format, settings, log).ensure(cuts, () -> weights(model, settings.maxContext()));
  }

  private ModelWeights weights(String model, int maxContext) {
    long started = System.nanoTime();
    ModelWeights w;
    if (isSynthetic(model)) {
      String[] parts = model.substring(SYNTHETIC.length()).split(":");
      long seed = parts.length > 1 ? Long.parseLong(parts[1]) : 1L;
      log.printf("bench: generating %s (random weights, real shape; results are labeled synthetic)%n", model);
      w = SyntheticModels.generate(parts[0], seed, maxContext);
    } else {
      w = ModelImporter.load(Path.of(model));
    }
    log.printf("bench: weights ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
    log.flush();
    return w;
  }

  private static String shortName(String model) {
    String name = isSynthetic(model) ? model.substring(SYNTHETIC.length()) : Path.of(model).getFileName().toString();
    return name.replaceAll("[^A-Za-z0-9.-]", "_");
  }

  /** A synthetic name as is; a path with its files' sizes and modification times. */
  private static String identity(String model) throws IOException {
    if (isSynthetic(model)) {
      return model;
    }
    return Fingerprints.fileIdentity(Path.of(model));
  }
}
