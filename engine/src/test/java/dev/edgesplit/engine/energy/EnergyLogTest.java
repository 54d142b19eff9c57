package dev.edgesplit.engine.energy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnergyLogTest {

  @Test
  void write_emitsOneParsableJsonObjectPerLine_inFieldOrder() throws Exception {
    List<String> lines = new ArrayList<>();
    EnergyLog log = new EnergyLog(lines::add);
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("side", "edge");
    fields.put("edge_joules", 0.0125);
    fields.put("edge_source", EnergyLog.source("estimate", false));
    fields.put("note", "quote \" and newline \n stay inside the line");
    log.write(fields);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0))
        .doesNotContain("\n")
        .startsWith("{\"side\":\"edge\",\"edge_joules\":0.0125,");
    JsonNode n = new ObjectMapper().readTree(lines.get(0));
    assertThat(n.path("edge_source").path("kind").asText()).isEqualTo("estimate");
    assertThat(n.path("edge_source").path("measured").asBoolean(true)).isFalse();
    assertThat(n.path("note").asText()).contains("\"").contains("\n");
  }
}
