package dev.edgesplit.partitioner.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgesplit.engine.model.ModelConfig;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@link ModelWeights} as a Hugging Face directory ({@code config.json} and safetensors,
 * sharded when larger than a limit), readable by {@link SafetensorsImporter}. For tests and tools.
 *
 * <p>Interleaved-RoPE (llama2.c) projections are permuted to rotate-half order, as Hugging Face
 * expects. Models with attention biases are written as Qwen2, others as Llama. Stateless.
 */
public final class SafetensorsWriter {

  private SafetensorsWriter() {}

  /**
   * Writes {@code model} into {@code dir} (created if needed) with every tensor in {@code dtype}.
   *
   * @param maxShardBytes shards are cut before a tensor that would make them larger than this; a
   *     model that fits is written as a single {@code model.safetensors}
   */
  public static void write(
      ModelWeights model, Path dir, SafetensorsDType dtype, long maxShardBytes) {
    ModelConfig c = model.config();
    CanonicalLayout.check(c, model.tensors(), "model " + c.architecture());
    ObjectMapper json = new ObjectMapper();
    List<List<String>> shards = new ArrayList<>();
    List<String> current = new ArrayList<>();
    long currentBytes = 0;
    for (String name : CanonicalLayout.shapes(c).keySet()) {
      long bytes = (long) model.tensor(name).data().length * dtype.bytes();
      if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
        shards.add(current);
        current = new ArrayList<>();
        currentBytes = 0;
      }
      current.add(name);
      currentBytes += bytes;
    }
    shards.add(current);
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(SafetensorsImporter.CONFIG), configJson(json, c, dtype));
      if (shards.size() == 1) {
        writeShard(json, model, shards.get(0), dtype, dir.resolve(SafetensorsImporter.SINGLE));
        return;
      }
      ObjectNode index = json.createObjectNode();
      index
          .putObject("metadata")
          .put("total_size", CanonicalLayout.parameterCount(c) * dtype.bytes());
      ObjectNode weightMap = index.putObject("weight_map");
      for (int s = 0; s < shards.size(); s++) {
        String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
        writeShard(json, model, shards.get(s), dtype, dir.resolve(file));
        for (String name : shards.get(s)) {
          weightMap.put(HfNames.toHf(name), file);
        }
      }
      Files.writeString(
          dir.resolve(SafetensorsImporter.INDEX),
          json.writerWithDefaultPrettyPrinter().writeValueAsString(index));
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": write failed", e);
    }
  }

  private static String configJson(ObjectMapper json, ModelConfig c, SafetensorsDType dtype)
      throws IOException {
    boolean qwen = c.attentionBias();
    ObjectNode n = json.createObjectNode();
    n.putArray("architectures").add(qwen ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
    n.put("model_type", qwen ? "qwen2" : "llama");
    n.put("hidden_size", c.dim());
    n.put("intermediate_size", c.hiddenDim());
    n.put("num_hidden_layers", c.nLayers());
    n.put("num_attention_heads", c.nHeads());
    n.put("num_key_value_heads", c.nKvHeads());
    n.put("vocab_size", c.vocabSize());
    n.put("max_position_embeddings", c.maxSeqLen());
    n.put("rope_theta", c.ropeTheta());
    n.put("rms_norm_eps", c.normEps());
    n.put("tie_word_embeddings", c.tiedEmbeddings());
    n.put("hidden_act", "silu");
    if (c.ropeScaling() != null) {
      n.putObject("rope_scaling")
          .put("rope_type", c.ropeScaling().type())
          .put("factor", c.ropeScaling().factor())
          .put("low_freq_factor", c.ropeScaling().lowFreqFactor())
          .put("high_freq_factor", c.ropeScaling().highFreqFactor())
          .put("original_max_position_embeddings", c.ropeScaling().originalMaxPosition());
    }
    n.put(
        "torch_dtype",
        dtype == SafetensorsDType.F32
            ? "float32"
            : dtype == SafetensorsDType.F16 ? "float16" : "bfloat16");
    return json.writerWithDefaultPrettyPrinter().writeValueAsString(n);
  }

  private static void writeShard(
      ObjectMapper json, ModelWeights model, List<String> names, SafetensorsDType dtype, Path file)
      throws IOException {
    ModelConfig c = model.config();
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    ObjectNode header = json.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (String name : names) {
      FloatTensor t = model.tensor(name);
      if (c.ropeInterleaved() && HfNames.isRopeRows(name)) {
        t = RopeLayout.interleavedToHalves(t, c.headSize());
      }
      tensors.put(name, t);
      long bytes = (long) t.data().length * dtype.bytes();
      ObjectNode entry = header.putObject(HfNames.toHf(name));
      entry.put("dtype", dtype.name());
      var shape = entry.putArray("shape");
      for (int d : t.shape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] headerBytes = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    // The format allows trailing spaces; padding to 8 bytes keeps the data aligned.
    int padded = (headerBytes.length + 7) / 8 * 8;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
      out.write(headerBytes);
      for (int i = headerBytes.length; i < padded; i++) {
        out.write(' ');
      }
      for (FloatTensor t : tensors.values()) {
        writeValues(out, t.data(), dtype);
      }
    }
  }

  private static void writeValues(OutputStream out, float[] values, SafetensorsDType dtype)
      throws IOException {
    if (dtype == SafetensorsDType.F32) {
      Llama2cWriter.writeFloats(out, values);
      return;
    }
    ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      if (!buf.hasRemaining()) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      buf.putShort(
          dtype == SafetensorsDType.F16 ? HalfFloats.floatToHalf(v) : HalfFloats.floatToBf16(v));
    }
    out.write(buf.array(), 0, buf.position());
  }
}
