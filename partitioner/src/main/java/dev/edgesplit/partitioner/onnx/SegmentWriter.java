package dev.edgesplit.partitioner.onnx;

import static dev.edgesplit.partitioner.onnx.proto.TensorProto.DataType.FLOAT;
import static dev.edgesplit.partitioner.onnx.proto.TensorProto.DataType.INT32;
import static dev.edgesplit.partitioner.onnx.proto.TensorProto.DataType.INT64;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.segment.SegmentIo;
import dev.edgesplit.engine.segment.SegmentSpec;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.model.ExactBlocks;
import dev.edgesplit.partitioner.model.FloatTensor;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.quant.ActivationStats;
import dev.edgesplit.partitioner.quant.BlockwiseQuantizer;
import dev.edgesplit.partitioner.quant.GptqQuantizer;
import dev.edgesplit.partitioner.quant.QuantMethod;
import dev.edgesplit.partitioner.quant.QuantizedMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes one ONNX segment: optional token embedding, decoder layers {@code [a,b)} with
 * GroupQueryAttention over an in-place KV cache, optional final RMSNorm + LM head. Input and output
 * names are those of {@link SegmentIo}, so the engine can run any segment this writes.
 */
public final class SegmentWriter {

  /** The projections each layer writes as one matrix (they read the same input). */
  private static final List<List<String>> LINEAR_STACKS =
      List.of(List.of("wq", "wk", "wv"), List.of("wo"), List.of("w1", "w3"), List.of("w2"));

  private final ModelWeights model;
  private final ModelConfig cfg;
  private final SegmentOptions options;
  private final ActivationStats calibration;
  private final QuantMethod method;

  public SegmentWriter(ModelWeights model, SegmentOptions options) {
    this(model, options, null, QuantMethod.RTN);
  }

  /**
   * Calibrated methods need {@code calibration}: the inputs each linear layer saw on calibration
   * text.
   */
  public SegmentWriter(
      ModelWeights model, SegmentOptions options, ActivationStats calibration, QuantMethod method) {
    if (method.calibrated() && calibration == null) {
      throw new IllegalArgumentException(method + " quantization needs calibration statistics");
    }
    this.model = model;
    this.cfg = model.config();
    this.options = options;
    this.calibration = calibration;
    this.method = method;
  }

  /** Builds the graph of {@code spec} and writes it to {@code file}. */
  public void write(SegmentSpec spec, Path file) throws IOException {
    build(spec).write(file);
  }

  public OnnxGraph build(SegmentSpec spec) {
    OnnxGraph g = new OnnxGraph("edgesplit_" + spec.firstLayer() + "_" + spec.endLayer());
    g.metadata("edgesplit.segment", spec.toString())
        .metadata("edgesplit.model", model.fingerprint());
    String x;
    if (spec.embedding()) {
      g.input(SegmentIo.INPUT_IDS, INT64, "batch", "seq");
      String table = initializer(g, model.tensor("tok_embeddings"));
      x = g.node("Gather", table, SegmentIo.INPUT_IDS).attr("axis", 0L).out("embedded");
    } else {
      g.input(SegmentIo.HIDDEN_IN, FLOAT, "batch", "seq", (long) cfg.dim());
      x = SegmentIo.HIDDEN_IN;
    }
    if (spec.layers() > 0) {
      if (!useFusedRotary()) {
        g.input(SegmentIo.POSITION_IDS, INT64, "batch", "seq");
      }
      g.input(SegmentIo.SEQLENS_K, INT32, "batch");
      g.input(SegmentIo.TOTAL_SEQUENCE_LENGTH, INT32);
      float[][] rope = ropeCaches();
      g.floats("rope_cos", rope[0], options.maxContext(), cfg.headSize() / 2);
      g.floats("rope_sin", rope[1], options.maxContext(), cfg.headSize() / 2);
    }
    for (int layer = spec.firstLayer(); layer < spec.endLayer(); layer++) {
      x = layer(g, layer, x, spec.weights());
    }
    if (spec.head()) {
      g.int64s("last_index", new long[] {-1});
      String last = g.node("Gather", x, "last_index").attr("axis", 1L).out("last_hidden");
      String norm = rmsNorm(g, last, model.tensor("norm"), "final_norm");
      FloatTensor lmHead = model.lmHead();
      if (spec.weights() == WeightFormat.FP32) {
        String head = g.floats("lm_head", lmHead.data(), cfg.vocabSize(), cfg.dim());
        g.node("Gemm", norm, head).attr("transB", 1L).out(SegmentIo.LOGITS);
      } else {
        matMulNBits(
            g,
            norm,
            new FloatTensor("lm_head", lmHead.shape(), lmHead.data()),
            List.of(model.lmHeadName()),
            "lm_head",
            spec.weights(),
            SegmentIo.LOGITS);
      }
      g.output(SegmentIo.LOGITS, FLOAT, "batch", (long) cfg.vocabSize());
    } else {
      g.node("Identity", x).out(SegmentIo.HIDDEN_OUT);
      g.output(SegmentIo.HIDDEN_OUT, FLOAT, "batch", "seq", (long) cfg.dim());
    }
    return g;
  }

  /** GroupQueryAttention applies RoPE itself for head sizes that are multiples of 16. */
  private boolean useFusedRotary() {
    return options.fusedRotary() && cfg.headSize() % 16 == 0;
  }

  private String layer(OnnxGraph g, int layer, String x, WeightFormat format) {
    String p = "l" + layer + ".";
    String attnIn = rmsNorm(g, x, model.layer(layer, "attention_norm"), p + "attn_norm");
    // q, k and v read the same input: one matrix, one kernel.
    String qkv =
        linear(
            g, attnIn, layer, LINEAR_STACKS.get(0), List.of("bq", "bk", "bv"), format, p + "qkv");
    boolean fused = useFusedRotary();
    String pastK = SegmentIo.pastKey(layer);
    String pastV = SegmentIo.pastValue(layer);
    // Batch > 1 only for decode steps (one position per row); prefill runs one sequence at a time.
    Object[] kvDims = {"batch", (long) cfg.nKvHeads(), "max_context", (long) cfg.headSize()};
    g.input(pastK, FLOAT, kvDims).input(pastV, FLOAT, kvDims);
    String[] gqaInputs;
    if (fused) {
      // GroupQueryAttention takes the packed q|k|v and applies RoPE itself.
      gqaInputs =
          new String[] {
            qkv,
            "",
            "",
            pastK,
            pastV,
            SegmentIo.SEQLENS_K,
            SegmentIo.TOTAL_SEQUENCE_LENGTH,
            "rope_cos",
            "rope_sin"
          };
    } else {
      String[] parts = split(g, qkv, p + "qkv", cfg.dim(), cfg.kvDim(), cfg.kvDim());
      String q = rotary(g, parts[0], cfg.nHeads(), p + "q_rot");
      String k = rotary(g, parts[1], cfg.nKvHeads(), p + "k_rot");
      gqaInputs =
          new String[] {
            q, k, parts[2], pastK, pastV, SegmentIo.SEQLENS_K, SegmentIo.TOTAL_SEQUENCE_LENGTH
          };
    }
    OnnxGraph.NodeBuilder gqa =
        g.node("GroupQueryAttention", gqaInputs)
            .domain(OnnxGraph.MS_DOMAIN)
            .attr("num_heads", (long) cfg.nHeads())
            .attr("kv_num_heads", (long) cfg.nKvHeads())
            .attr("do_rotary", fused ? 1L : 0L)
            .attr("rotary_interleaved", cfg.ropeInterleaved() ? 1L : 0L);
    String attn = gqa.out(p + "attn", SegmentIo.presentKey(layer), SegmentIo.presentValue(layer));
    g.output(SegmentIo.presentKey(layer), FLOAT, kvDims)
        .output(SegmentIo.presentValue(layer), FLOAT, kvDims);
    String o = linear(g, attn, layer, LINEAR_STACKS.get(1), List.of(), format, p + "o");
    String h = g.node("Add", x, o).out(p + "attn_residual");

    String ffnIn = rmsNorm(g, h, model.layer(layer, "ffn_norm"), p + "ffn_norm");
    String[] gateUp =
        split(
            g,
            linear(g, ffnIn, layer, LINEAR_STACKS.get(2), List.of(), format, p + "gate_up"),
            p + "gate_up",
            cfg.hiddenDim(),
            cfg.hiddenDim());
    String sig = g.node("Sigmoid", gateUp[0]).out(p + "gate_sigmoid");
    String silu = g.node("Mul", gateUp[0], sig).out(p + "gate_silu");
    String act = g.node("Mul", silu, gateUp[1]).out(p + "ffn_act");
    String down = linear(g, act, layer, LINEAR_STACKS.get(3), List.of(), format, p + "down");
    return g.node("Add", h, down).out(p + "out");
  }

  /** Splits the last axis of {@code x} into parts of these sizes. */
  private static String[] split(OnnxGraph g, String x, String name, long... sizes) {
    String[] outs = new String[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      outs[i] = name + "." + i;
    }
    String splitSizes = g.int64s(name + ".split", sizes, sizes.length);
    g.node("Split", x, splitSizes).attr("axis", -1L).out(outs);
    return outs;
  }

  private String rmsNorm(OnnxGraph g, String x, FloatTensor weight, String name) {
    String scale = initializer(g, weight);
    return g.node("SimplifiedLayerNormalization", x, scale)
        .attr("axis", -1L)
        .attr("epsilon", cfg.normEps())
        .out(name);
  }

  private String rotary(OnnxGraph g, String x, int heads, String name) {
    return g.node("RotaryEmbedding", x, SegmentIo.POSITION_IDS, "rope_cos", "rope_sin")
        .domain(OnnxGraph.MS_DOMAIN)
        .attr("interleaved", cfg.ropeInterleaved() ? 1L : 0L)
        .attr("num_heads", (long) heads)
        .out(name);
  }

  /**
   * y = x [W1; W2; ...]^T (+ [b1; b2; ...]): projections of the same input stacked by rows into one
   * matrix, stored as fp32 MatMul weights or as MatMulNBits blocks (rows quantize independently, so
   * stacking changes nothing).
   */
  private String linear(
      OnnxGraph g,
      String x,
      int layer,
      List<String> weights,
      List<String> biases,
      WeightFormat format,
      String name) {
    FloatTensor w =
        stack(name + ".weight", weights.stream().map(n -> model.layer(layer, n)).toList());
    int n = w.rows();
    int k = w.cols();
    String y;
    if (format == WeightFormat.FP32) {
      String init = g.floats(w.name(), transpose(w.data(), n, k), k, n);
      y = g.node("MatMul", x, init).out(name + ".out");
    } else {
      // Every stacked projection reads the same input: the first one's calibration stands for all.
      y =
          matMulNBits(
              g,
              x,
              w,
              canonicalNames(layer, weights),
              ModelWeights.layerName(layer, weights.get(0)),
              format,
              name + ".out");
    }
    if (!biases.isEmpty() && cfg.attentionBias()) {
      FloatTensor b =
          stack(name + ".bias", biases.stream().map(bn -> model.layer(layer, bn)).toList());
      y = g.node("Add", y, g.floats(b.name(), b.data(), b.rows())).out(name + ".biased");
    }
    return y;
  }

  /** Concatenates tensors along their first axis. */
  private static FloatTensor stack(String name, List<FloatTensor> parts) {
    if (parts.size() == 1) {
      FloatTensor only = parts.get(0);
      return new FloatTensor(name, only.shape(), only.data());
    }
    int cols = parts.get(0).cols();
    int rows = parts.stream().mapToInt(FloatTensor::rows).sum();
    float[] data = new float[rows * cols];
    int offset = 0;
    for (FloatTensor t : parts) {
      System.arraycopy(t.data(), 0, data, offset, t.data().length);
      offset += t.data().length;
    }
    int[] shape = parts.get(0).shape();
    shape[0] = rows;
    return new FloatTensor(name, shape, data);
  }

  /**
   * y = x W^T with W {@code [n, k]} quantized blockwise for MatMulNBits; {@code calibrationName} is
   * the weight whose calibration inputs stand for W's.
   */
  private String matMulNBits(
      OnnxGraph g,
      String x,
      FloatTensor w,
      List<String> sources,
      String calibrationName,
      WeightFormat format,
      String out) {
    int n = w.rows();
    int k = w.cols();
    String name = w.name();
    Optional<ExactBlocks> exact = model.exactBlocks(sources, format.bits());
    QuantizedMatrix qm =
        exact.isPresent() ? asQuantized(exact.get()) : quantize(w, calibrationName, format);
    String b = g.bytes(name + ".q", qm.packed(), n, qm.blocksPerRow(), qm.blockBytes());
    String s = g.floats(name + ".scales", qm.scales(), (long) n * qm.blocksPerRow());
    String zp = g.bytes(name + ".zero_points", qm.zeroPoints(), qm.zeroPoints().length);
    return g.node("MatMulNBits", x, b, s, zp)
        .domain(OnnxGraph.MS_DOMAIN)
        .attr("K", (long) k)
        .attr("N", (long) n)
        .attr("bits", (long) format.bits())
        .attr("block_size", (long) qm.blockSize())
        .attr("accuracy_level", (long) options.accuracyLevel())
        .out(out);
  }

  private static QuantizedMatrix asQuantized(ExactBlocks b) {
    return new QuantizedMatrix(
        b.n(), b.k(), b.bits(), b.blockSize(), b.packed(), b.scales(), b.zeroPoints());
  }

  private static List<String> canonicalNames(int layer, List<String> parts) {
    return parts.stream().map(p -> ModelWeights.layerName(layer, p)).toList();
  }

  /**
   * Where each quantized weight of a {@code format} build comes from, by the stacked names it is
   * written as: "carried over exactly from Q8_0" when the file's own blocks are used, else
   * "re-quantized" (with the source's block type when it had one). Mirrors what {@link #build}
   * writes.
   */
  public Map<String, String> weightOrigins(WeightFormat format) {
    Map<String, String> origins = new LinkedHashMap<>();
    if (!format.quantized()) {
      return origins;
    }
    for (int layer = 0; layer < cfg.nLayers(); layer++) {
      for (List<String> stack : LINEAR_STACKS) {
        List<String> names = canonicalNames(layer, stack);
        origins.put(String.join("+", names), origin(names, format));
      }
    }
    origins.put(
        "lm_head (" + model.lmHeadName() + ")", origin(List.of(model.lmHeadName()), format));
    return origins;
  }

  private String origin(List<String> names, WeightFormat format) {
    if (model.exactBlocks(names, format.bits()).isPresent()) {
      return "exact " + model.exactBlocks().get(names.get(0)).sourceType();
    }
    ExactBlocks source = model.exactBlocks().get(names.get(0));
    return source == null ? "quantized" : "re-quantized (file holds " + source.sourceType() + ")";
  }

  private QuantizedMatrix quantize(FloatTensor w, String calibrationName, WeightFormat format) {
    BlockwiseQuantizer blockwise = new BlockwiseQuantizer(format.bits(), options.blockSize());
    float[][] inputs = calibration == null ? null : calibration.inputs(calibrationName);
    if (method == QuantMethod.GPTQ && inputs != null) {
      return new GptqQuantizer(blockwise).quantize(w.data(), w.rows(), w.cols(), inputs);
    }
    float[] importance =
        method == QuantMethod.ACTIVATION_WEIGHTED ? calibration.importance(calibrationName) : null;
    return blockwise.quantize(w.data(), w.rows(), w.cols(), importance);
  }

  private String initializer(OnnxGraph g, FloatTensor t) {
    long[] dims = new long[t.shape().length];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = t.shape()[i];
    }
    return g.floats(t.name(), t.data(), dims);
  }

  /**
   * cos/sin of position x frequency, {@code [maxContext, headSize/2]}, shared by every convention.
   */
  private float[][] ropeCaches() {
    int half = cfg.headSize() / 2;
    int positions = options.maxContext();
    float[] cos = new float[positions * half];
    float[] sin = new float[positions * half];
    for (int pos = 0; pos < positions; pos++) {
      for (int i = 0; i < half; i++) {
        double angle = pos * cfg.ropeFrequency(i);
        cos[pos * half + i] = (float) Math.cos(angle);
        sin[pos * half + i] = (float) Math.sin(angle);
      }
    }
    return new float[][] {cos, sin};
  }

  private static float[] transpose(float[] w, int rows, int cols) {
    float[] t = new float[w.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = w[r * cols + c];
      }
    }
    return t;
  }
}
