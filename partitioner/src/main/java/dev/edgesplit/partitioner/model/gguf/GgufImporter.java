package dev.edgesplit.partitioner.model.gguf;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.model.RopeScaling;
import dev.edgesplit.engine.tokenizer.TokenizerException;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.model.CanonicalLayout;
import dev.edgesplit.partitioner.model.ExactBlocks;
import dev.edgesplit.partitioner.model.Fingerprints;
import dev.edgesplit.partitioner.model.FloatTensor;
import dev.edgesplit.partitioner.model.ModelFormatException;
import dev.edgesplit.partitioner.model.ModelWeights;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports a GGUF model file (llama.cpp, Ollama, LM Studio): architectures {@code llama} (Llama,
 * Mistral, TinyLlama, SmolLM; tied or separate output) and {@code qwen2} (q/k/v biases).
 *
 * <ul>
 *   <li>Shape, RoPE theta and scaling, norm epsilon and context length come from the {@code
 *       <arch>.*} metadata.
 *   <li>RoPE layout: GGML's {@code llama} rotates adjacent pairs (llama.cpp's converter permutes
 *       Hugging Face's q/k rows into that order, and llama2.c weights are in it already), so {@code
 *       ropeInterleaved=true}; {@code qwen2} uses GGML's NeoX mode, rotate-half, so {@code
 *       ropeInterleaved=false}. No rows move.
 *   <li>F32, F16, BF16 tensors become fp32. Q8_0 and Q4_0 become fp32 (exactly) and are also kept
 *       as {@link ExactBlocks}, which quantized segments use as they are. Q4_K, Q5_K and Q6_K
 *       become fp32 with a notice: a quantized segment re-quantizes them.
 *   <li>The tokenizer is rebuilt from {@code tokenizer.ggml.*} (see {@link GgufTokenizer}) into a
 *       folder under the system temporary directory keyed by the file's sha256 (the model's
 *       fingerprint).
 * </ul>
 *
 * Stateless and thread-safe.
 */
public final class GgufImporter {

  /** File name suffix of GGUF files. */
  public static final String SUFFIX = ".gguf";

  private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d{1,6})\\.(\\w+)\\.(weight|bias)");
  private static final Map<String, String> LAYER_NAMES =
      Map.ofEntries(
          Map.entry("attn_norm.weight", "attention_norm"),
          Map.entry("attn_q.weight", "wq"),
          Map.entry("attn_k.weight", "wk"),
          Map.entry("attn_v.weight", "wv"),
          Map.entry("attn_q.bias", "bq"),
          Map.entry("attn_k.bias", "bk"),
          Map.entry("attn_v.bias", "bv"),
          Map.entry("attn_output.weight", "wo"),
          Map.entry("ffn_norm.weight", "ffn_norm"),
          Map.entry("ffn_gate.weight", "w1"),
          Map.entry("ffn_up.weight", "w3"),
          Map.entry("ffn_down.weight", "w2"));

  /** Bumped when the tokenizer files written for the same GGUF change (their folder is reused). */
  private static final int TOKENIZER_LAYOUT = 1;

  private static final String ROPE_FREQS = "rope_freqs.weight";
  private static final int MAX_DIM = 1 << 16;
  private static final int MAX_HIDDEN = 1 << 18;
  private static final int MAX_LAYERS = 1 << 10;

  private GgufImporter() {}

  /** True when {@code path} names a GGUF file. */
  public static boolean isGguf(Path path) {
    return path.getFileName() != null
        && path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(SUFFIX);
  }

  /**
   * Reads the model in {@code path}.
   *
   * @throws ModelFormatException naming the file and the field that is wrong
   */
  public static ModelWeights load(Path path) {
    try (GgufFile file = GgufFile.open(path)) {
      GgufMetadata meta = file.metadata();
      Map<String, GgufTensorInfo> infos = file.tensors();
      ModelConfig config = config(meta, path, infos);
      Map<String, FloatTensor> tensors = new LinkedHashMap<>();
      Map<String, ExactBlocks> exact = new LinkedHashMap<>();
      Map<GgmlType, Integer> kQuants = new TreeMap<>();
      Map<String, int[]> expected = CanonicalLayout.shapes(config);
      for (GgufTensorInfo info : infos.values()) {
        if (info.name().equals(ROPE_FREQS)) {
          continue;
        }
        String canonical = canonicalName(info.name(), path);
        int[] shape = expected.get(canonical);
        if (shape == null) {
          throw new ModelFormatException(
              path
                  + ": tensor '"
                  + info.name()
                  + "' is not used by a "
                  + config.nLayers()
                  + "-layer "
                  + config.architecture()
                  + " model with this metadata");
        }
        if (!Arrays.equals(info.shape(), shape)) {
          throw new ModelFormatException(
              path
                  + ": tensor '"
                  + info.name()
                  + "' has shape "
                  + Arrays.toString(info.shape())
                  + ", expected "
                  + Arrays.toString(shape)
                  + " from the metadata");
        }
        byte[] data = file.read(info);
        tensors.put(
            canonical,
            new FloatTensor(
                canonical, shape, GgufBlocks.dequantize(info.type(), data, (int) info.elements())));
        if (info.type().exactInMatMulNBits() && shape.length == 2) {
          exact.put(canonical, GgufBlocks.toMatMulNBits(info.type(), data, shape[0], shape[1]));
        }
        if (info.type().kQuant()) {
          kQuants.merge(info.type(), 1, Integer::sum);
        }
      }
      CanonicalLayout.check(config, tensors, path.toString());
      if (infos.containsKey(ROPE_FREQS)) {
        config = config.withRopeScaling(ropeFreqsScaling(file, infos.get(ROPE_FREQS), config));
      }
      String fingerprint = Fingerprints.sha256OfFiles(List.of(path));
      Optional<Path> tokenizer = writeTokenizer(meta, path, config.vocabSize(), fingerprint);
      List<String> notices =
          kQuants.isEmpty()
              ? List.of()
              : List.of(
                  path.getFileName()
                      + ": "
                      + kQuants
                      + " tensors in K-quants were dequantized to fp32; quantized segments re-quantize them blockwise"
                      + " (K-quants' sub-block minimums have no exact MatMulNBits form)");
      return new ModelWeights(config, tensors, tokenizer, fingerprint, exact, notices);
    }
  }

  /** The canonical name of a GGUF tensor name. */
  static String canonicalName(String gguf, Path path) {
    switch (gguf) {
      case "token_embd.weight":
        return "tok_embeddings";
      case "output_norm.weight":
        return "norm";
      case "output.weight":
        return "output";
      default:
        Matcher m = BLOCK.matcher(gguf);
        String part = m.matches() ? LAYER_NAMES.get(m.group(2) + "." + m.group(3)) : null;
        if (part == null) {
          throw new ModelFormatException(
              path
                  + ": tensor '"
                  + gguf
                  + "' is not part of a llama or qwen2 model"
                  + " edgesplit runs");
        }
        return ModelWeights.layerName(Integer.parseInt(m.group(1)), part);
    }
  }

  private static ModelConfig config(
      GgufMetadata meta, Path path, Map<String, GgufTensorInfo> infos) {
    String arch = meta.string("general.architecture");
    boolean qwen = arch.equals("qwen2");
    if (!arch.equals("llama") && !qwen) {
      throw new ModelFormatException(
          path
              + ": metadata 'general.architecture' = '"
              + arch
              + "' is not supported (llama and qwen2 are)");
    }
    String p = arch + ".";
    int dim = meta.positiveInt(p + "embedding_length", MAX_DIM);
    int hidden = meta.positiveInt(p + "feed_forward_length", MAX_HIDDEN);
    int layers = meta.positiveInt(p + "block_count", MAX_LAYERS);
    int heads = meta.positiveInt(p + "attention.head_count", dim);
    int kvHeads =
        meta.has(p + "attention.head_count_kv")
            ? meta.positiveInt(p + "attention.head_count_kv", heads)
            : heads;
    int context = meta.positiveInt(p + "context_length", Integer.MAX_VALUE);
    double eps = meta.number(p + "attention.layer_norm_rms_epsilon");
    double theta = meta.optionalNumber(p + "rope.freq_base").orElse(10000.0);
    if (dim % heads != 0) {
      throw new ModelFormatException(
          path
              + ": metadata '"
              + p
              + "embedding_length' "
              + dim
              + " is not a multiple of '"
              + p
              + "attention.head_count' "
              + heads);
    }
    int headSize = dim / heads;
    for (String key :
        new String[] {"rope.dimension_count", "attention.key_length", "attention.value_length"}) {
      Optional<Long> v = meta.optionalInteger(p + key);
      if (v.isPresent() && v.get() != headSize) {
        throw new ModelFormatException(
            path
                + ": metadata '"
                + p
                + key
                + "' = "
                + v.get()
                + " differs from the head"
                + " size "
                + headSize
                + "; such models are not supported");
      }
    }
    GgufTensorInfo embedding = infos.get("token_embd.weight");
    if (embedding == null || embedding.dims().length != 2) {
      throw new ModelFormatException(path + ": missing 2-D tensor 'token_embd.weight'");
    }
    int vocab = (int) embedding.dims()[1];
    Optional<Long> declaredVocab = meta.optionalInteger(p + "vocab_size");
    if (declaredVocab.isPresent() && declaredVocab.get() != vocab) {
      throw new ModelFormatException(
          path
              + ": metadata '"
              + p
              + "vocab_size' = "
              + declaredVocab.get()
              + " but token_embd.weight has "
              + vocab
              + " rows");
    }
    boolean tied = !infos.containsKey("output.weight");
    try {
      return new ModelConfig(
          arch,
          dim,
          hidden,
          layers,
          heads,
          kvHeads,
          vocab,
          context,
          (float) theta,
          (float) eps,
          !qwen,
          tied,
          qwen,
          ropeScaling(meta, path, p));
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(path + ": inconsistent metadata: " + e.getMessage(), e);
    }
  }

  /** {@code <arch>.rope.scaling.type}: none or linear (factor); others (yarn) are refused. */
  private static RopeScaling ropeScaling(GgufMetadata meta, Path path, String p) {
    String type = meta.optionalString(p + "rope.scaling.type").orElse("none");
    switch (type) {
      case "none":
        return null;
      case "linear":
        double factor = meta.number(p + "rope.scaling.factor");
        try {
          return new RopeScaling("linear", factor, 1, 4, 0);
        } catch (IllegalArgumentException e) {
          throw new ModelFormatException(
              path + ": metadata '" + p + "rope.scaling.factor': " + e.getMessage(), e);
        }
      default:
        throw new ModelFormatException(
            path
                + ": metadata '"
                + p
                + "rope.scaling.type' = '"
                + type
                + "' is not supported (none and linear are)");
    }
  }

  /**
   * llama.cpp stores Llama 3.1/3.2's frequency scaling as a tensor of per-pair divisors. edgesplit
   * applies the "llama3" rule; accept the tensor when it is that rule with Meta's published
   * parameters (low 1, high 4, original context 8192, factor = the largest divisor), else refuse
   * rather than run it wrong.
   */
  private static RopeScaling ropeFreqsScaling(
      GgufFile file, GgufTensorInfo info, ModelConfig config) {
    Path path = file.path();
    int half = config.headSize() / 2;
    if (info.dims().length != 1 || info.dims()[0] != half || info.type() != GgmlType.F32) {
      throw new ModelFormatException(
          path
              + ": tensor '"
              + ROPE_FREQS
              + "' must be F32 ["
              + half
              + "], is "
              + info.type()
              + " "
              + Arrays.toString(info.dims()));
    }
    float[] divisors = GgufBlocks.dequantize(info.type(), file.read(info), half);
    double factor = 1;
    for (float d : divisors) {
      factor = Math.max(factor, d);
    }
    if (!Double.isFinite(factor)) {
      throw new ModelFormatException(
          path + ": tensor '" + ROPE_FREQS + "' holds a non-finite divisor");
    }
    RopeScaling llama3 = new RopeScaling("llama3", factor, 1, 4, 8192);
    ModelConfig plain = config.withRopeScaling(null);
    for (int i = 0; i < half; i++) {
      double base = plain.ropeFrequency(i);
      double divisor = base / llama3.apply(base);
      if (!(Math.abs(divisor - divisors[i]) <= 1e-3 * divisor)) {
        throw new ModelFormatException(
            path
                + ": tensor '"
                + ROPE_FREQS
                + "'["
                + i
                + "] = "
                + divisors[i]
                + " is not Llama 3's frequency scaling (expected "
                + divisor
                + "); not supported");
      }
    }
    return llama3;
  }

  /**
   * Writes the tokenizer files into {@code <tmpdir>/edgesplit-gguf-<fingerprint>/} (once; later
   * imports of the same file reuse them) and returns the tokenizer file.
   */
  private static Optional<Path> writeTokenizer(
      GgufMetadata meta, Path path, int vocab, String fingerprint) {
    Optional<List<GgufTokenizer.File>> files = GgufTokenizer.files(meta, path, vocab);
    if (files.isEmpty()) {
      return Optional.empty();
    }
    Path main = writeOnce(files.get(), path, fingerprint);
    try {
      Tokenizers.load(main, vocab);
    } catch (TokenizerException | IllegalArgumentException e) {
      throw new ModelFormatException(
          path
              + ": metadata 'tokenizer.ggml.*' does not form a usable tokenizer: "
              + e.getMessage(),
          e);
    }
    return Optional.of(main);
  }

  private static Path writeOnce(List<GgufTokenizer.File> files, Path path, String fingerprint) {
    Path dir =
        Path.of(
            System.getProperty("java.io.tmpdir"),
            "edgesplit-gguf-" + fingerprint.substring(0, 24) + "-v" + TOKENIZER_LAYOUT);
    Path main = dir.resolve(files.get(0).name());
    if (Files.isRegularFile(main)) {
      return main;
    }
    try {
      Path tmp = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".tmp");
      for (GgufTokenizer.File f : files) {
        Files.write(tmp.resolve(f.name()), f.bytes());
      }
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException
          | AtomicMoveNotSupportedException
          | java.nio.file.DirectoryNotEmptyException e) {
        // Another import of the same file won the race: its files are identical.
        for (GgufTokenizer.File f : files) {
          Files.deleteIfExists(tmp.resolve(f.name()));
        }
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new ModelFormatException(
          path + ": cannot write its tokenizer into " + dir + ": " + e.getMessage(), e);
    }
    return main;
  }
}
