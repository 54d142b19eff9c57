package dev.edgesplit.partitioner.cache;

import dev.edgesplit.engine.segment.CompiledManifest;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.SegmentEntry;
import dev.edgesplit.engine.segment.SegmentSpec;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.onnx.SegmentWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The compiled model a benchmark runs: one directory holding, in one weight format, the whole model
 * as a single segment (the unsplit baseline), an edge and a cloud segment for each benchmarked cut
 * (what a split deployment runs), and one segment per layer plus embedding and head (per-layer
 * times). Segments are written on demand and kept, so later runs with other cuts only add what is
 * missing. Every segment is a valid {@link CompiledModel} entry: {@code openWhole}, {@code
 * openEdge(k)}, {@code openCloud(k)} and {@code openLayers} pick the fewest files.
 */
public final class BenchModel {

  private final Path dir;
  private final WeightFormat format;
  private final Settings settings;
  private final PrintWriter log;

  /**
   * What the directory is compiled from and how.
   *
   * @param maxContext positions the segments support
   * @param blockSize MatMulNBits block size
   * @param accuracyLevel MatMulNBits accuracy_level (0 exact, 4 int8 compute)
   */
  public record Settings(int maxContext, int blockSize, int accuracyLevel) {
    public Settings {
      if (maxContext < 1 || blockSize < 16 || accuracyLevel < 0 || accuracyLevel > 4) {
        throw new IllegalArgumentException(
            "bad compile settings: context "
                + maxContext
                + ", block "
                + blockSize
                + ", accuracy level "
                + accuracyLevel);
      }
    }
  }

  public BenchModel(Path dir, WeightFormat format, Settings settings, PrintWriter log) {
    this.dir = dir;
    this.format = format;
    this.settings = settings;
    this.log = log;
  }

  public Path directory() {
    return dir;
  }

  /**
   * Makes sure the directory holds the whole model, per-layer segments and both sides of every cut
   * in {@code cuts}, writing what is missing from {@code weights} (called only when something is
   * missing).
   */
  public CompiledModel ensure(Collection<Integer> cuts, Supplier<ModelWeights> weights)
      throws IOException {
    Files.createDirectories(dir);
    List<SegmentEntry> present = new ArrayList<>();
    CompiledManifest old = null;
    if (Files.isRegularFile(dir.resolve(CompiledManifest.FILE_NAME))) {
      old = CompiledModel.load(dir).manifest();
      present.addAll(old.segments());
    }
    List<Wanted> missing = new ArrayList<>();
    for (Wanted w : wanted(cuts, old == null ? -1 : old.config().nLayers())) {
      if (present.stream().noneMatch(e -> e.file().equals(w.file()))) {
        missing.add(w);
      }
    }
    if (old != null && missing.isEmpty() && old.tokenizer() != null) {
      return CompiledModel.load(dir);
    }
    ModelWeights model = weights.get();
    int n = model.config().nLayers();
    if (old != null && !old.fingerprint().equals(model.fingerprint())) {
      throw new IllegalStateException(
          dir + " holds another model (fingerprint " + old.fingerprint() + ")");
    }
    if (old == null) {
      missing = wanted(cuts, n);
    }
    String tokenizer = dev.edgesplit.partitioner.Compiler.installTokenizer(model, dir);
    SegmentWriter writer =
        new SegmentWriter(
            model,
            new dev.edgesplit.partitioner.onnx.SegmentOptions(
                settings.maxContext(), settings.blockSize(), settings.accuracyLevel(), true));
    for (Wanted w : missing) {
      long started = System.nanoTime();
      Path file = dir.resolve(w.file());
      writer.write(w.spec(), file);
      present.add(
          new SegmentEntry(
              w.file(),
              w.spec().firstLayer(),
              w.spec().endLayer(),
              w.spec().embedding(),
              w.spec().head(),
              w.spec().weights(),
              CompiledModel.sha256(file)));
      log.printf("bench: wrote %s in %.1f s%n", file, (System.nanoTime() - started) / 1e9);
      log.flush();
      // The manifest after every file: an interrupted compile keeps what it finished.
      writeManifest(dir, model, tokenizer, present);
    }
    writeManifest(dir, model, tokenizer, present);
    return CompiledModel.load(dir);
  }

  private void writeManifest(
      Path dir, ModelWeights model, String tokenizer, List<SegmentEntry> present)
      throws IOException {
    CompiledModel.writeManifest(
        dir,
        new CompiledManifest(
            CompiledManifest.FORMAT,
            model.config(),
            model.fingerprint(),
            tokenizer,
            settings.maxContext(),
            null,
            format,
            format,
            present));
  }

  private List<Wanted> wanted(Collection<Integer> cuts, int nLayers) {
    String f = format.name().toLowerCase(Locale.ROOT);
    List<Wanted> list = new ArrayList<>();
    if (nLayers < 0) {
      // Unknown layer count before the first compile: anything makes the caller generate the
      // weights.
      list.add(new Wanted("whole-" + f + ".onnx", null));
      return list;
    }
    list.add(new Wanted("whole-" + f + ".onnx", new SegmentSpec(0, nLayers, true, true, format)));
    for (int cut : cuts) {
      if (cut < 1 || cut >= nLayers) {
        throw new IllegalArgumentException(
            "cut " + cut + " outside 1.." + (nLayers - 1) + " (both sides need a layer)");
      }
      list.add(
          new Wanted(
              String.format(Locale.ROOT, "edge-%03d-%s.onnx", cut, f),
              SegmentSpec.edge(cut, format)));
      list.add(
          new Wanted(
              String.format(Locale.ROOT, "cloud-%03d-%s.onnx", cut, f),
              SegmentSpec.cloud(cut, nLayers, format)));
    }
    list.add(new Wanted("embed.onnx", new SegmentSpec(0, 0, true, false, WeightFormat.FP32)));
    for (int layer = 0; layer < nLayers; layer++) {
      list.add(
          new Wanted(
              String.format(Locale.ROOT, "layer-%03d-%s.onnx", layer, f),
              new SegmentSpec(layer, layer + 1, false, false, format)));
    }
    list.add(
        new Wanted("head-" + f + ".onnx", new SegmentSpec(nLayers, nLayers, false, true, format)));
    return list;
  }

  private record Wanted(String file, SegmentSpec spec) {}
}
