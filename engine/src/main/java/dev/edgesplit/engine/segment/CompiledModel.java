package dev.edgesplit.engine.segment;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgesplit.engine.EngineException;
import dev.edgesplit.engine.model.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A compiled model directory ({@code plan.json}, segment files, tokenizer) and the chains that
 * serve either side of a cut. Immutable; each opened chain belongs to the caller, who closes it.
 */
public final class CompiledModel {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final CompiledManifest manifest;

  private CompiledModel(Path dir, CompiledManifest manifest) {
    this.dir = dir;
    this.manifest = manifest;
  }

  /**
   * Reads {@code dir/plan.json}; a missing or malformed manifest is an {@link
   * IllegalArgumentException}.
   */
  public static CompiledModel load(Path dir) {
    Path file = dir.resolve(CompiledManifest.FILE_NAME);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          dir + " is not a compiled model: " + CompiledManifest.FILE_NAME + " is missing");
    }
    try {
      return new CompiledModel(dir, JSON.readValue(file.toFile(), CompiledManifest.class));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code manifest} as {@code dir/plan.json}. */
  public static void writeManifest(Path dir, CompiledManifest manifest) throws IOException {
    JSON.writerWithDefaultPrettyPrinter()
        .writeValue(dir.resolve(CompiledManifest.FILE_NAME).toFile(), manifest);
  }

  public Path directory() {
    return dir;
  }

  public CompiledManifest manifest() {
    return manifest;
  }

  public ModelConfig config() {
    return manifest.config();
  }

  public String fingerprint() {
    return manifest.fingerprint();
  }

  public Path tokenizerFile() {
    if (manifest.tokenizer() == null) {
      throw new IllegalStateException("compiled model " + dir + " has no tokenizer");
    }
    return dir.resolve(manifest.tokenizer());
  }

  /** True when this directory holds segments for the edge side of {@code cut}. */
  public boolean servesCut(int cut) {
    ChainPlanner planner = new ChainPlanner(manifest.segments());
    return cut >= 0
        && cut <= config().nLayers()
        && planner.chain(0, cut, true, false, manifest.edgeWeights()).isPresent()
        && planner.chain(cut, config().nLayers(), false, true, manifest.cloudWeights()).isPresent();
  }

  /** True when this directory holds segments computing layers {@code [from, to)} as asked. */
  public boolean servesLayers(
      int from, int to, boolean embedding, boolean head, WeightFormat format) {
    return from >= 0
        && to <= config().nLayers()
        && from <= to
        && new ChainPlanner(manifest.segments())
            .chain(from, to, embedding, head, format)
            .isPresent();
  }

  /**
   * Embedding + layers {@code [0,cut)} in the edge weight format: token ids in, hidden states out.
   */
  public SegmentChain openEdge(int cut, RuntimeOptions options) {
    return openLayers(0, cut, true, false, manifest.edgeWeights(), options);
  }

  /**
   * Layers {@code [cut,N)} in the cloud weight format + final norm + LM head: hidden states in,
   * logits out.
   */
  public SegmentChain openCloud(int cut, RuntimeOptions options) {
    return openLayers(cut, config().nLayers(), false, true, manifest.cloudWeights(), options);
  }

  /**
   * The cloud side of {@code cut} serving up to {@code maxBatch} sessions from one KV-cache pool,
   * with their decode steps batched into single runs.
   */
  public BatchedChain openCloudBatched(int cut, RuntimeOptions options, int maxBatch) {
    return openCloudBatched(cut, config().nLayers(), options, maxBatch);
  }

  /**
   * Layers {@code [cut, returnCut)} in the cloud weight format serving up to {@code maxBatch}
   * sessions from one KV-cache pool: with the head when {@code returnCut} is N (the plain split),
   * else hidden states out (a U-shaped range). A per-layer build chains one segment per layer, so
   * it serves every range.
   *
   * @throws IllegalArgumentException when the directory has no segments computing that range
   */
  public BatchedChain openCloudBatched(
      int cut, int returnCut, RuntimeOptions options, int maxBatch) {
    boolean head = returnCut == config().nLayers();
    if (!head && cut >= returnCut) {
      throw new IllegalArgumentException(
          "a U-shaped range [" + cut + "," + returnCut + ") must hold at least one layer");
    }
    List<Segment> segments =
        openSegments(cut, returnCut, false, head, manifest.cloudWeights(), options);
    return new BatchedChain(
        OrtEnvironment.getEnvironment(), config(), segments, maxBatch, context(options));
  }

  /**
   * All layers in one chain with {@code format} weights: token ids in, logits out (the unsplit
   * model).
   */
  public SegmentChain openWhole(WeightFormat format, RuntimeOptions options) {
    return openLayers(0, config().nLayers(), true, true, format, options);
  }

  /**
   * Any contiguous range: layers {@code [from, to)} in {@code format}, optionally preceded by the
   * embedding and followed by the head. A per-layer build serves every range; the profiler opens
   * one layer at a time.
   *
   * @throws IllegalArgumentException when the directory has no segments computing that range
   */
  public SegmentChain openLayers(
      int from,
      int to,
      boolean embedding,
      boolean head,
      WeightFormat format,
      RuntimeOptions options) {
    List<Segment> segments = openSegments(from, to, embedding, head, format, options);
    return new SegmentChain(OrtEnvironment.getEnvironment(), config(), segments, context(options));
  }

  private int context(RuntimeOptions options) {
    int context = options.maxContext() == 0 ? manifest.maxContext() : options.maxContext();
    if (context > manifest.maxContext()) {
      throw new IllegalArgumentException(
          "context " + context + " exceeds the compiled maximum of " + manifest.maxContext());
    }
    return context;
  }

  private List<Segment> openSegments(
      int from,
      int to,
      boolean embedding,
      boolean head,
      WeightFormat format,
      RuntimeOptions options) {
    if (from < 0 || to > config().nLayers() || from > to) {
      throw new IllegalArgumentException("cut outside 0.." + config().nLayers());
    }
    List<SegmentEntry> entries =
        new ChainPlanner(manifest.segments())
            .chain(from, to, embedding, head, format)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "compiled model "
                            + dir
                            + " has no "
                            + format
                            + " segments for layers ["
                            + from
                            + ","
                            + to
                            + ")"
                            + (embedding ? " with the embedding" : "")
                            + (head ? " with the head" : "")
                            + "; recompile with --per-layer or this cut"));
    context(options);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<Segment> segments = new ArrayList<>();
    try {
      for (SegmentEntry e : entries) {
        Path file = dir.resolve(e.file());
        verify(file, e.sha256());
        segments.add(new Segment(env, file, e.spec(), options));
      }
    } catch (RuntimeException ex) {
      segments.forEach(Segment::close);
      throw ex;
    }
    return segments;
  }

  private static void verify(Path file, String expected) {
    if (expected == null) {
      return;
    }
    String actual = sha256(file);
    if (!actual.equalsIgnoreCase(expected)) {
      throw new EngineException(
          "segment " + file + " is corrupt: sha256 " + actual + ", manifest says " + expected);
    }
  }

  /** Hex sha256 of a file, streamed. */
  public static String sha256(Path file) {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) >= 0) {
        // digesting
      }
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (IOException e) {
      throw new EngineException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
