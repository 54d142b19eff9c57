package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.edge.config.EdgeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The security and admission keys written in the sample configurations (tls.*, server_tls.*,
 * auth.*, limits.*, insecure) are keys the real configuration loaders know (directly, or as a
 * duration key without its _ms suffix), so a sample copied by an operator configures what it says.
 */
class SampleSecurityKeysTest {

  private static final Set<String> SECTIONS =
      Set.of("tls", "server_tls", "auth", "limits", "insecure");

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "cli/src/dist/conf/edge.yaml, edge",
    "deploy/docker/edge.yaml, edge",
    "cli/src/dist/conf/cloud.yaml, cloud",
    "deploy/docker/cloud.yaml, cloud"
  })
  void securityKeys_ofTheSample_areKnownToTheLoader(String file, String side) throws Exception {
    Path path = Path.of("").toAbsolutePath().getParent().resolve(file);
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
    List<String> keys = new ArrayList<>();
    flatten("", root, keys);
    Map<String, String> known =
        side.equals("edge") ? EdgeConfig.defaults() : CloudConfig.defaults();
    List<String> security =
        keys.stream().filter(k -> SECTIONS.contains(k.split("\\.")[0])).toList();
    assertThat(security).as("security keys in %s", file).isNotEmpty();
    List<String> canonical =
        security.stream().map(k -> known.containsKey(k + "_ms") ? k + "_ms" : k).toList();
    assertThat(known.keySet()).as(file).containsAll(canonical);
  }

  private static void flatten(String prefix, JsonNode node, List<String> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().isObject()) {
        flatten(key, e.getValue(), out);
      } else {
        out.add(key);
      }
    }
  }
}
