package dev.edgesplit.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** YAML and JSON reading for the deployment files; a parse error names the file. */
final class Yaml {
  static final ObjectMapper YAML = new YAMLMapper();
  static final ObjectMapper JSON = new JsonMapper();

  private Yaml() {}

  static JsonNode read(Path file) {
    try {
      return (file.toString().endsWith(".json") ? JSON : YAML).readTree(file.toFile());
    } catch (IOException e) {
      throw new AssertionError("cannot parse " + file + ": " + e.getMessage(), e);
    }
  }

  static JsonNode readString(String yaml, String origin) {
    try {
      return YAML.readTree(yaml);
    } catch (IOException e) {
      throw new AssertionError("cannot parse YAML in " + origin + ": " + e.getMessage(), e);
    }
  }

  /** Every document of a (possibly multi-document) YAML file. */
  static List<JsonNode> readAll(Path file) {
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(file.toFile())) {
      var it = YAML.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          docs.add(n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot parse " + file, e);
    }
    return docs;
  }
}
