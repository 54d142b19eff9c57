package dev.edgesplit.edge.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs deploy/tls/make-test-ca.sh (openssl) into a folder: ca, server, client, other-ca,
 * other-client.
 */
final class TestCa {

  final Path dir;

  private TestCa(Path dir) {
    this.dir = dir;
  }

  static TestCa make(Path dir) throws IOException, InterruptedException {
    // Tests run in the module directory; the script lives at the repository root.
    Path script = Path.of("").toAbsolutePath().getParent().resolve("deploy/tls/make-test-ca.sh");
    Process p =
        new ProcessBuilder("sh", script.toString(), dir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return new TestCa(dir);
  }

  Path file(String name) {
    Path f = dir.resolve(name);
    assertThat(f).isRegularFile();
    return f;
  }

  /** Every base64 line of every private key: none of it may appear in a log. */
  String[] keyLines() throws IOException {
    StringBuilder all = new StringBuilder();
    for (String k :
        new String[] {"ca.key", "server.key", "client.key", "other-ca.key", "other-client.key"}) {
      for (String line : Files.readAllLines(file(k))) {
        if (!line.startsWith("-----") && line.length() >= 16) {
          all.append(line).append('\n');
        }
      }
    }
    return all.toString().split("\n");
  }
}
