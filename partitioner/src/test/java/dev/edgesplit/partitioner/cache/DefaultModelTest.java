package dev.edgesplit.partitioner.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.edgesplit.testkit.SharedModels;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default model's download, against a loopback HTTP server holding the real files. */
class DefaultModelTest {

  @TempDir Path dir;
  private HttpServer server;

  private String serve(Path folder, boolean corrupt) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          Path file = folder.resolve(exchange.getRequestURI().getPath().substring(1));
          if (!Files.isRegularFile(file)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          byte[] body = Files.readAllBytes(file);
          if (corrupt) {
            body[body.length / 2] ^= 1;
          }
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void fetch_downloadsEveryFile_checksTheirDigests_withAProgressBar() throws Exception {
    String base = serve(SharedModels.require("stories260K"), false);
    StringWriter progress = new StringWriter();
    DefaultModel model =
        new DefaultModel(dir.resolve("stories260K"), base, new PrintWriter(progress));
    assertThat(model.cached()).isFalse();
    Path fetched = model.fetch();
    assertThat(model.cached()).isTrue();
    assertThat(Files.size(fetched.resolve("stories260K.bin"))).isEqualTo(1_056_540);
    assertThat(progress.toString()).contains("stories260K.bin").contains("100%").contains("#");
  }

  @Test
  void fetch_refusesAFileWhoseDigestDiffers_andKeepsNothing() throws Exception {
    String base = serve(SharedModels.require("stories260K"), true);
    DefaultModel model =
        new DefaultModel(dir.resolve("stories260K"), base, new PrintWriter(new StringWriter()));
    assertThatThrownBy(model::fetch)
        .hasMessageContaining("sha256")
        .hasMessageContaining("not kept");
    try (var left = Files.list(dir.resolve("stories260K"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void fetch_reportsAMissingFileWithItsHttpStatus() throws Exception {
    String base = serve(dir, false);
    DefaultModel model =
        new DefaultModel(dir.resolve("stories260K"), base, new PrintWriter(new StringWriter()));
    assertThatThrownBy(model::fetch).hasMessageContaining("HTTP 404");
  }
}
