package dev.edgesplit.partitioner.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class AuditChartTest {

  @Test
  void chart_isWellFormedSvg_withOneLinePerAttack_andEscapedNames() throws Exception {
    AuditReport report =
        new AuditReport(
            "model <x>",
            "stories & more",
            4,
            100,
            50,
            List.of(new AttackInfo("nearest", "m1"), new AttackInfo("lens", "m2")),
            List.of(
                new CutRecovery(0, "ids", new double[] {1.0, 0.9}),
                new CutRecovery(1, "h_1", new double[] {0.5, 0.25}),
                new CutRecovery(2, "h_2", new double[] {0.0, 0.125})));

    Document doc =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(
                new ByteArrayInputStream(
                    AuditChart.render(report).getBytes(StandardCharsets.UTF_8)));

    assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(2);
    assertThat(doc.getElementsByTagName("circle").getLength()).isEqualTo(6);
    assertThat(doc.getDocumentElement().getTextContent())
        .contains("model <x>: stories & more, 50 held-out positions", "nearest", "lens");
    // 100% recovered is the top of the plot, 0% its bottom.
    String points = ((Element) doc.getElementsByTagName("polyline").item(0)).getAttribute("points");
    assertThat(points).isEqualTo("70.0,50.0 325.0,215.0 580.0,380.0");
  }
}
