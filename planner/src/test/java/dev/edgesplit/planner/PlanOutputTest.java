package dev.edgesplit.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.engine.segment.WeightFormat;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class PlanOutputTest {

  @TempDir Path dir;

  private CutPlan plan() {
    return new CutPlanner()
        .plan(
            PlanFixtures.profile(true),
            PlanFixtures.LINK,
            WireDType.FP32,
            PlanConstraints.defaults(8).withMemoryBudget(2600),
            PlanGoal.energy());
  }

  @Test
  void table_marksTheChoice_andLabelsRejectedRowsWithReasons() {
    String table = PlanTable.render(plan());
    List<String> lines = table.lines().toList();
    assertThat(lines.get(0)).contains("model-abc").contains("test-board").contains("fp32");
    assertThat(lines.get(1))
        .contains("RTT 10.000 ms")
        .contains("0.008 Mbit/s")
        .contains("fixture (measured)");
    String header = lines.get(3);
    assertThat(header)
        .contains("cut")
        .contains("latency ms")
        .contains("edge J/tok")
        .contains("status");
    List<String> body = lines.subList(4, lines.size());
    assertThat(body).hasSize(5);
    assertThat(body.get(0)).contains("rejected: below privacy floor min_edge_layers=1");
    assertThat(body.get(1)).startsWith("*").contains("chosen").contains("0.10560");
    assertThat(body.get(2)).endsWith("ok");
    assertThat(body.get(4))
        .contains("3 edge-only")
        .contains("rejected: edge memory 2.57 KiB > budget 2.54 KiB");
    // numeric columns are right-aligned: the latency values end in the same column
    int end = header.indexOf("latency ms") + "latency ms".length();
    for (String row : body) {
      assertThat(row.charAt(end - 1)).as("row '%s'", row).isBetween('0', '9');
      assertThat(row.charAt(end)).isEqualTo(' ');
    }
  }

  @Test
  void chart_isWellFormedSvg_withBothSeriesAndTheChoiceMarked() throws Exception {
    Path file = dir.resolve("plan.svg");
    PlanChart.write(plan(), file);
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    Document doc = f.newDocumentBuilder().parse(file.toFile());
    Element root = doc.getDocumentElement();
    assertThat(root.getLocalName()).isEqualTo("svg");
    assertThat(root.getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
    NodeList polylines = doc.getElementsByTagNameNS("*", "polyline");
    assertThat(polylines.getLength()).isEqualTo(2);
    for (int i = 0; i < 2; i++) {
      String points = ((Element) polylines.item(i)).getAttribute("points");
      assertThat(points.split(" ")).hasSize(5);
    }
    assertThat(doc.getElementsByTagNameNS("*", "circle").getLength()).isEqualTo(10);
    assertThat(root.getTextContent())
        .contains("chosen: 1")
        .contains("rejected: below privacy floor");
  }

  @Test
  void chart_escapesMarkupInNames() throws Exception {
    LayerProfile base = PlanFixtures.profile(false);
    LayerProfile odd =
        new LayerProfile(
            "board <&> \"x\"", "m", WeightFormat.FP32, base.shape(), base.edge(), base.cloud());
    CutPlan p =
        new CutPlanner()
            .plan(
                odd,
                PlanFixtures.LINK,
                WireDType.FP16,
                PlanConstraints.defaults(8),
                PlanGoal.latency());
    String svg = PlanChart.render(p);
    Document doc =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertThat(doc.getDocumentElement().getTextContent()).contains("board <&> \"x\"");
  }

  @Test
  void planJson_roundTrips() throws Exception {
    CutPlan plan = plan();
    Path file = dir.resolve("out/plan.json");
    PlanJson json = new PlanJson();
    json.writePlan(plan, file);
    String text = Files.readString(file);
    assertThat(text)
        .contains("\"chosenRow\" : 1")
        .contains("\"rejections\"")
        .contains("\"bandwidthBitsPerSecond\"");
    assertThat(json.readPlan(file)).isEqualTo(plan);
  }

  @Test
  void planJson_namesTheFile_whenCorrupt() throws Exception {
    Path file = dir.resolve("plan.json");
    Files.writeString(file, "{\"device\": 3");
    assertThatThrownBy(() -> new PlanJson().readPlan(file)).hasMessageContaining(file.toString());
  }

  @Test
  void profileStore_savesAndLoadsByDeviceModelAndQuantization() throws Exception {
    LayerProfileStore store = new LayerProfileStore(dir.resolve("profiles"));
    LayerProfile p = PlanFixtures.profile(true);
    Path file = store.save(p);
    assertThat(file.getFileName().toString())
        .startsWith("test-board__model-abc__fp32-")
        .endsWith(".json");
    assertThat(store.load("test-board", "model-abc", WeightFormat.FP32)).contains(p);
    assertThat(store.load("test-board", "model-abc", WeightFormat.INT4)).isEmpty();
    assertThat(store.load("other-board", "model-abc", WeightFormat.FP32)).isEmpty();
    assertThat(store.fileFor("a/b", "m", WeightFormat.FP32))
        .isNotEqualTo(store.fileFor("a_b", "m", WeightFormat.FP32));
    LayerProfile noHead = PlanFixtures.profile(false);
    store.save(noHead);
    assertThat(
            store.load("test-board", "model-abc", WeightFormat.FP32).orElseThrow().edge().hasHead())
        .isFalse();
  }
}
