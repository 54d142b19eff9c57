package dev.edgesplit.partitioner.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgesplit.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Imports a Hugging Face model directory: {@code config.json} plus {@code model.safetensors}, or
 * shards listed by {@code model.safetensors.index.json}. F32, F16 and BF16 tensors become fp32;
 * Llama, Mistral and Qwen2 names map to canonical ones (see {@link ModelWeights}); RoPE is
 * rotate-half ({@code ropeInterleaved=false}). The embeddings are tied when {@code
 * tie_word_embeddings} is true or {@code lm_head.weight} is absent. Tensors the model does not use
 * (e.g. {@code rotary_emb.inv_freq}) are ignored.
 *
 * <p>Fingerprint: sha256 over the bytes of config.json followed by the weight files in name order.
 * Tokenizer: {@code tokenizer.json} in the directory, if present. Stateless and thread-safe.
 */
public final class SafetensorsImporter {

  static final String CONFIG = "config.json";
  static final String SINGLE = "model.safetensors";
  static final String INDEX = "model.safetensors.index.json";

  private SafetensorsImporter() {}

  /**
   * Reads the model in {@code dir}.
   *
   * @throws ModelFormatException naming the file and what is wrong with it
   */
  public static ModelWeights load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new ModelFormatException(dir + ": not a directory");
    }
    Path configPath = dir.resolve(CONFIG);
    if (!Files.isRegularFile(configPath)) {
      throw new ModelFormatException(dir + ": no " + CONFIG);
    }
    ObjectMapper json = new ObjectMapper();
    HfConfig hf = HfConfig.read(configPath, json);
    boolean indexed = Files.isRegularFile(dir.resolve(INDEX));
    Map<String, Path> shardOf = indexed ? readIndex(dir, json) : new LinkedHashMap<>();
    List<Path> shardFiles = indexed ? shardFiles(shardOf) : List.of(singleFile(dir));
    Map<Path, SafetensorsFile> open = new LinkedHashMap<>();
    try {
      for (Path shard : shardFiles) {
        open.put(shard, SafetensorsFile.open(shard, json));
      }
      if (!indexed) {
        SafetensorsFile only = open.values().iterator().next();
        for (String name : only.names()) {
          shardOf.put(name, only.path());
        }
      }
      boolean tied = hf.declaresTiedEmbeddings() || !shardOf.containsKey(HfNames.LM_HEAD);
      ModelConfig config = hf.toModelConfig(tied);
      Map<String, FloatTensor> tensors = new LinkedHashMap<>();
      for (Map.Entry<String, int[]> e : CanonicalLayout.shapes(config).entrySet()) {
        String hfName = HfNames.toHf(e.getKey());
        Path where = shardOf.get(hfName);
        if (where == null) {
          throw new ModelFormatException(
              dir
                  + ": missing tensor '"
                  + hfName
                  + "' (canonical '"
                  + e.getKey()
                  + "') needed by "
                  + config.architecture()
                  + " with this config");
        }
        SafetensorsFile file = open.get(where);
        if (!file.contains(hfName)) {
          throw new ModelFormatException(
              where + ": missing tensor '" + hfName + "' that " + INDEX + " places in this shard");
        }
        tensors.put(e.getKey(), file.read(hfName, e.getKey(), e.getValue()));
      }
      List<Path> hashed = new ArrayList<>();
      hashed.add(configPath);
      hashed.addAll(shardFiles);
      Path tokenizer = dir.resolve("tokenizer.json");
      return new ModelWeights(
          config,
          tensors,
          Files.isRegularFile(tokenizer) ? Optional.of(tokenizer) : Optional.empty(),
          Fingerprints.sha256OfFiles(hashed));
    } finally {
      for (SafetensorsFile f : open.values()) {
        f.close();
      }
    }
  }

  private static Path singleFile(Path dir) {
    Path single = dir.resolve(SINGLE);
    if (!Files.isRegularFile(single)) {
      throw new ModelFormatException(dir + ": neither " + SINGLE + " nor " + INDEX + " found");
    }
    return single;
  }

  /** Tensor name to shard path, from the index; every shard it names must exist. */
  private static Map<String, Path> readIndex(Path dir, ObjectMapper json) {
    Path index = dir.resolve(INDEX);
    Path base = dir.toAbsolutePath().normalize();
    Map<String, Path> shardOf = new LinkedHashMap<>();
    JsonNode root;
    try {
      root = json.readTree(index.toFile());
    } catch (IOException e) {
      throw new ModelFormatException(index + ": not valid JSON: " + e.getMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject() || map.size() == 0) {
      throw new ModelFormatException(index + ": no weight_map object");
    }
    Iterator<Map.Entry<String, JsonNode>> fields = map.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String shardName = f.getValue().asText();
      Path shard = dir.resolve(shardName);
      if (!f.getValue().isTextual()
          || shardName.isEmpty()
          || !base.equals(shard.toAbsolutePath().normalize().getParent())) {
        throw new ModelFormatException(
            index + ": tensor '" + f.getKey() + "' names a bad shard " + f.getValue());
      }
      if (!Files.isRegularFile(shard)) {
        throw new ModelFormatException(
            index + ": missing shard " + shardName + " (holds '" + f.getKey() + "')");
      }
      shardOf.put(f.getKey(), shard);
    }
    return shardOf;
  }

  /** The distinct shards, in file-name order. */
  private static List<Path> shardFiles(Map<String, Path> shardOf) {
    Map<String, Path> files = new TreeMap<>();
    for (Path p : shardOf.values()) {
      files.put(p.getFileName().toString(), p);
    }
    return new ArrayList<>(files.values());
  }
}
