package dev.edgesplit.partitioner.model;

import dev.edgesplit.engine.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Imports llama2.c checkpoints into fp32 {@link ModelWeights}.
 *
 * <p>Formats (all little-endian):
 *
 * <ul>
 *   <li>legacy "v0" fp32: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
 *       seq_len; a negative vocab_size means an unshared classifier follows), then the weights
 *       grouped by kind (embedding, all rms_att, all wq, ... w3, rms_final, the RoPE tables, which
 *       are skipped, then wcls);
 *   <li>"ak42" version 1 (fp32) and version 2 (Q8_0): a 256-byte header (magic 0x616b3432, version,
 *       the 7 ints, a shared-classifier byte, for version 2 the int32 group size), then the fp32
 *       norms, then the matrices (version 2: per tensor, int8 values followed by fp32 scales of
 *       each group of group_size consecutive values), dequantized here to fp32.
 * </ul>
 *
 * The whole expected size is computed from the header and must equal the file's size before any
 * tensor is read. Stateless and thread-safe.
 */
public final class Llama2cImporter {

  /** "ak42" read as a little-endian int32. */
  static final int MAGIC = 0x616b3432;

  static final int HEADER_V0_BYTES = 28;
  static final int HEADER_AK42_BYTES = 256;

  private static final int MAX_DIM = 1 << 16;
  private static final int MAX_HIDDEN = 1 << 18;
  private static final int MAX_LAYERS = 1 << 10;
  private static final int MAX_VOCAB = 1 << 22;
  private static final int MAX_SEQ = 1 << 24;

  private Llama2cImporter() {}

  /**
   * Reads a llama2.c checkpoint. The tokenizer is {@code tokenizer.bin}, else {@code
   * tok<vocab>.bin}, else the only {@code tok*.bin} in the checkpoint's directory. The fingerprint
   * is the sha256 of the file.
   *
   * @throws ModelFormatException naming the file and what is wrong with it
   */
  public static ModelWeights load(Path checkpoint) {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    ModelConfig config;
    try (BinaryFile file = BinaryFile.open(checkpoint)) {
      file.require(0, 4, "header");
      int first = file.readInt("header");
      if (first == MAGIC) {
        config = readAk42(file, tensors);
      } else {
        file.seek(0);
        config = readLegacy(file, tensors);
      }
    }
    CanonicalLayout.check(config, tensors, checkpoint.toString());
    String fingerprint = Fingerprints.sha256OfFiles(List.of(checkpoint));
    return new ModelWeights(
        config, tensors, findTokenizer(checkpoint, config.vocabSize()), fingerprint);
  }

  private static ModelConfig readLegacy(BinaryFile file, Map<String, FloatTensor> out) {
    int[] h = readSevenInts(file);
    boolean shared = h[5] > 0;
    if (h[5] == Integer.MIN_VALUE) {
      throw bad(file, "absurd vocab_size " + h[5]);
    }
    h[5] = Math.abs(h[5]);
    ModelConfig config = config(file, h, shared);
    int headSize = config.headSize();
    List<Entry> entries = new ArrayList<>();
    entries.add(new Entry("tok_embeddings", new int[] {config.vocabSize(), config.dim()}));
    addPerLayer(
        entries, config, "attention_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w1", "w2", "w3");
    entries.add(new Entry("norm", new int[] {config.dim()}));
    // RoPE cos and sin tables, [seq_len, head_size/2] each: recomputed downstream, so skipped here.
    entries.add(new Entry(null, new int[] {2, config.maxSeqLen(), headSize / 2}));
    if (!shared) {
      entries.add(new Entry("output", new int[] {config.vocabSize(), config.dim()}));
    }
    requireExactSize(file, HEADER_V0_BYTES, entries, 0);
    file.seek(HEADER_V0_BYTES);
    readFp32(file, entries, out);
    return config;
  }

  private static ModelConfig readAk42(BinaryFile file, Map<String, FloatTensor> out) {
    file.require(0, HEADER_AK42_BYTES, "256-byte ak42 header");
    int version = file.readInt("version");
    if (version != 1 && version != 2) {
      throw bad(
          file, "unsupported llama2.c ak42 version " + version + " (supported: 1 fp32, 2 Q8_0)");
    }
    int[] h = readSevenInts(file);
    byte sharedByte = file.readBytes(1, "shared_classifier")[0];
    if (sharedByte != 0 && sharedByte != 1) {
      throw bad(file, "shared_classifier byte is " + sharedByte + ", expected 0 or 1");
    }
    boolean shared = sharedByte == 1;
    int groupSize = version == 2 ? file.readInt("group_size") : 0;
    ModelConfig config = config(file, h, shared);
    List<Entry> norms = new ArrayList<>();
    addPerLayer(norms, config, "attention_norm");
    addPerLayer(norms, config, "ffn_norm");
    norms.add(new Entry("norm", new int[] {config.dim()}));
    List<Entry> matrices = new ArrayList<>();
    matrices.add(new Entry("tok_embeddings", new int[] {config.vocabSize(), config.dim()}));
    addPerLayer(matrices, config, "wq", "wk", "wv", "wo", "w1", "w2", "w3");
    if (!shared) {
      matrices.add(new Entry("output", new int[] {config.vocabSize(), config.dim()}));
    }
    file.seek(HEADER_AK42_BYTES);
    if (version == 1) {
      List<Entry> all = new ArrayList<>(norms);
      all.addAll(matrices);
      requireExactSize(file, HEADER_AK42_BYTES, all, 0);
      readFp32(file, all, out);
      return config;
    }
    if (groupSize <= 0 || groupSize > MAX_DIM) {
      throw bad(file, "absurd group_size " + groupSize);
    }
    long q8Bytes = 0;
    for (Entry e : matrices) {
      long n = e.count();
      if (n % groupSize != 0) {
        throw bad(
            file,
            "tensor '"
                + e.name
                + "' has "
                + n
                + " values, not a multiple of group_size "
                + groupSize);
      }
      q8Bytes += n + 4 * (n / groupSize);
    }
    requireExactSize(file, HEADER_AK42_BYTES, norms, q8Bytes);
    readFp32(file, norms, out);
    for (Entry e : matrices) {
      out.put(e.name, readQ8(file, e, groupSize));
    }
    return config;
  }

  private static FloatTensor readQ8(BinaryFile file, Entry e, int groupSize) {
    int n = e.intCount(file);
    byte[] q = file.readBytes(n, "int8 values of '" + e.name + "'");
    float[] scales = file.readFloats(n / groupSize, "group scales of '" + e.name + "'");
    float[] values = new float[n];
    for (int g = 0; g < scales.length; g++) {
      float s = scales[g];
      int base = g * groupSize;
      for (int i = base; i < base + groupSize; i++) {
        values[i] = q[i] * s;
      }
    }
    return new FloatTensor(e.name, e.shape, values);
  }

  private static void readFp32(BinaryFile file, List<Entry> entries, Map<String, FloatTensor> out) {
    for (Entry e : entries) {
      if (e.name == null) {
        file.skip(4 * e.count(), "RoPE tables");
      } else {
        out.put(
            e.name,
            new FloatTensor(
                e.name, e.shape, file.readFloats(e.intCount(file), "'" + e.name + "'")));
      }
    }
  }

  private static int[] readSevenInts(BinaryFile file) {
    int[] h = new int[7];
    String[] names = {
      "dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"
    };
    for (int i = 0; i < 7; i++) {
      h[i] = file.readInt(names[i]);
    }
    return h;
  }

  private static ModelConfig config(BinaryFile file, int[] h, boolean shared) {
    checkRange(file, "dim", h[0], MAX_DIM);
    checkRange(file, "hidden_dim", h[1], MAX_HIDDEN);
    checkRange(file, "n_layers", h[2], MAX_LAYERS);
    checkRange(file, "n_heads", h[3], h[0]);
    checkRange(file, "n_kv_heads", h[4], h[3]);
    checkRange(file, "vocab_size", h[5], MAX_VOCAB);
    checkRange(file, "seq_len", h[6], MAX_SEQ);
    try {
      return new ModelConfig(
          "llama2c", h[0], h[1], h[2], h[3], h[4], h[5], h[6], 10000f, 1e-5f, true, shared, false);
    } catch (IllegalArgumentException e) {
      throw bad(file, "inconsistent header: " + e.getMessage());
    }
  }

  private static void checkRange(BinaryFile file, String name, int value, int max) {
    if (value <= 0 || value > max) {
      throw bad(
          file,
          "header field "
              + name
              + " = "
              + value
              + " is outside 1.."
              + max
              + " (not a llama2.c checkpoint, or a corrupt header)");
    }
  }

  private static void addPerLayer(List<Entry> entries, ModelConfig c, String... kinds) {
    Map<String, int[]> shapes = CanonicalLayout.shapes(c);
    for (String kind : kinds) {
      for (int i = 0; i < c.nLayers(); i++) {
        String name = ModelWeights.layerName(i, kind);
        entries.add(new Entry(name, shapes.get(name)));
      }
    }
  }

  private static void requireExactSize(BinaryFile file, long header, List<Entry> fp32, long extra) {
    long expected = header + extra;
    for (Entry e : fp32) {
      expected += 4 * e.count();
    }
    if (file.size() < expected) {
      throw new ModelFormatException(
          file.path()
              + ": truncated: the header implies "
              + expected
              + " bytes but the file has only "
              + file.size());
    }
    if (file.size() > expected) {
      throw new ModelFormatException(
          file.path()
              + ": the header implies "
              + expected
              + " bytes but the file has "
              + file.size()
              + " ("
              + (file.size() - expected)
              + " unexpected trailing bytes; wrong header?)");
    }
  }

  private static ModelFormatException bad(BinaryFile file, String what) {
    return new ModelFormatException(file.path() + ": " + what);
  }

  /** Finds the llama2.c tokenizer that ships beside a checkpoint. */
  static Optional<Path> findTokenizer(Path checkpoint, int vocabSize) {
    Path dir = checkpoint.toAbsolutePath().getParent();
    if (dir == null) {
      return Optional.empty();
    }
    Path named = dir.resolve("tokenizer.bin");
    if (Files.isRegularFile(named)) {
      return Optional.of(named);
    }
    Path sized = dir.resolve("tok" + vocabSize + ".bin");
    if (Files.isRegularFile(sized)) {
      return Optional.of(sized);
    }
    List<Path> candidates;
    try (Stream<Path> files = Files.list(dir)) {
      candidates =
          files
              .filter(p -> isTokenizerName(p.getFileName().toString()))
              .filter(Files::isRegularFile)
              .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": cannot list for a tokenizer", e);
    }
    return candidates.size() == 1 ? Optional.of(candidates.get(0)) : Optional.empty();
  }

  /** True for the names llama2.c gives tokenizer files: tokenizer.bin, tok*.bin. */
  static boolean isTokenizerName(String fileName) {
    return fileName.equals("tokenizer.bin")
        || (fileName.startsWith("tok") && fileName.endsWith(".bin"));
  }

  /** One tensor in file order; a null name marks bytes to skip. */
  private static final class Entry {
    final String name;
    final int[] shape;

    Entry(String name, int[] shape) {
      this.name = name;
      this.shape = shape;
    }

    long count() {
      return CanonicalLayout.elementCount(shape);
    }

    int intCount(BinaryFile file) {
      long n = count();
      if (n > Integer.MAX_VALUE - 8) {
        throw bad(file, "tensor '" + name + "' has " + n + " values, more than a Java array holds");
      }
      return (int) n;
    }
  }
}
