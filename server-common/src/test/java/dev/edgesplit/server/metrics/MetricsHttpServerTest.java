package dev.edgesplit.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsHttpServerTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void get_metrics_servesAFreshScrapeEachTime_withThePrometheusContentType() throws Exception {
    AtomicInteger n = new AtomicInteger();
    try (MetricsHttpServer server =
        MetricsHttpServer.start("127.0.0.1", 0, () -> "x_total " + n.incrementAndGet() + "\n")) {
      HttpResponse<String> first = get(server.port(), "/metrics");
      HttpResponse<String> second = get(server.port(), "/metrics");
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("Content-Type"))
          .hasValue(MetricsHttpServer.CONTENT_TYPE);
      assertThat(first.body()).isEqualTo("x_total 1\n");
      assertThat(second.body()).isEqualTo("x_total 2\n");
      assertThat(get(server.port(), "/other").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void startIfEnabled_off_startsNothing_andRejectsAnAddressWithoutPort() {
    assertThat(MetricsHttpServer.startIfEnabled("off", () -> "")).isNull();
    assertThat(MetricsHttpServer.startIfEnabled(" ", () -> "")).isNull();
    assertThatThrownBy(() -> MetricsHttpServer.startIfEnabled("localhost", () -> ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HOST:PORT");
    try (MetricsHttpServer s = MetricsHttpServer.startIfEnabled("127.0.0.1:0", () -> "")) {
      assertThat(s.port()).isPositive();
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
