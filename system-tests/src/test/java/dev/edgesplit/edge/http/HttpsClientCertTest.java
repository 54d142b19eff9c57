package dev.edgesplit.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgesplit.edge.generate.StepListener;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With server_tls and auth.mode=client_cert the HTTP API serves HTTPS from the same PEM files as
 * Generate and admits only clients whose certificate the client CA signed
 * (deploy/tls/make-test-ca.sh makes them).
 */
class HttpsClientCertTest {

  @TempDir Path dir;

  @Test
  void https_admitsTheCaSignedClient_andRefusesOthers() throws Exception {
    Path tls = dir.resolve("tls");
    Path script = Path.of("").toAbsolutePath().getParent().resolve("deploy/tls/make-test-ca.sh");
    Process p =
        new ProcessBuilder("sh", script.toString(), tls.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(log).isZero();
    Map<String, String> settings =
        Map.of(
            "server_tls.enabled",
            "true",
            "server_tls.cert",
            tls.resolve("server.crt").toString(),
            "server_tls.key",
            tls.resolve("server.key").toString(),
            "server_tls.client_ca",
            tls.resolve("ca.crt").toString(),
            "auth.mode",
            "client_cert");
    try (HttpSplit split = new HttpSplit(1, settings, StepListener.NONE, false)) {
      String url = "https://127.0.0.1:" + split.edge.httpPort() + "/v1/chat/completions";
      String body =
          "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],"
              + "\"max_tokens\":6,\"temperature\":0}";
      HttpResponse<String> ok = post(client(tls, "client"), url, body);
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(new ObjectMapper().readTree(ok.body()).at("/choices/0/message/content").asText())
          .isNotEmpty();
      assertThatThrownBy(() -> post(client(tls, "other-client"), url, body))
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> post(client(tls, null), url, body)).isInstanceOf(IOException.class);
      assertThat(post(client(tls, "client"), url, body).statusCode()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> post(HttpClient client, String url, String body)
      throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A client trusting the test CA, presenting {@code name}.crt/.key (none when null). */
  private static HttpClient client(Path tls, String name) throws Exception {
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(HttpTls.trustStore(tls.resolve("ca.crt")));
    KeyManagerFactory keys = null;
    if (name != null) {
      keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(
          HttpTls.keyStore(tls.resolve(name + ".crt"), tls.resolve(name + ".key")),
          HttpTls.PASSWORD);
    }
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
  }
}
