package dev.edgesplit.engine.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class SvgDocumentTest {

  @Test
  void document_isWellFormed_withEscapedTextAndRootLocaleNumbers() throws Exception {
    String svg =
        new SvgDocument(new ChartPage(200, 100, 10, 10, 10, 10))
            .line(0, 0, 10.25, 20, "black", " stroke-width=\"2\"")
            .centered(6, 11, "a <&> \"b\"")
            .polyline(new double[] {1, 2.5}, new double[] {3, 4.04}, "red")
            .finish();

    Document doc =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    Element root = doc.getDocumentElement();
    assertThat(root.getTagName()).isEqualTo("svg");
    assertThat(root.getAttribute("width")).isEqualTo("200");
    assertThat(root.getTextContent()).contains("a <&> \"b\"");
    assertThat(((Element) doc.getElementsByTagName("text").item(0)).getAttribute("x"))
        .isEqualTo("100.0");
    Element line = (Element) doc.getElementsByTagName("line").item(0);
    assertThat(line.getAttribute("x2")).isEqualTo("10.3");
    assertThat(line.getAttribute("stroke-width")).isEqualTo("2");
    Element polyline = (Element) doc.getElementsByTagName("polyline").item(0);
    assertThat(polyline.getAttribute("points")).isEqualTo("1.0,3.0 2.5,4.0");
  }
}
