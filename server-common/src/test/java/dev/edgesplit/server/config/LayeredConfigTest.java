package dev.edgesplit.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayeredConfigTest {

  @TempDir Path dir;

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("listen.host", "127.0.0.1");
    d.put("listen.port", "1");
    d.put("drain_timeout_ms", "5000");
    d.put("limits.idle_ttl_ms", "60000");
    d.put("name", "x");
    return d;
  }

  private LayeredConfig loadYaml(String yaml) throws IOException {
    Path file = Files.writeString(dir.resolve("c.yaml"), yaml);
    return LayeredConfig.load(defaults(), file, Map.of(), Map.of());
  }

  @Test
  void listenShorthand_setsHostAndPort() throws IOException {
    LayeredConfig c = loadYaml("listen: 0.0.0.0:50061\n");
    assertThat(c.string("listen.host")).isEqualTo("0.0.0.0");
    assertThat(c.integer("listen.port")).isEqualTo(50061);
  }

  @Test
  void listenShorthand_acceptsBracketedIpv6() throws IOException {
    LayeredConfig c = loadYaml("listen: \"[::1]:7\"\n");
    assertThat(c.string("listen.host")).isEqualTo("::1");
    assertThat(c.integer("listen.port")).isEqualTo(7);
  }

  @Test
  void listenShorthand_withoutPort_isRejectedNamingTheKey() {
    assertThatThrownBy(() -> loadYaml("listen: 0.0.0.0\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'listen'")
        .hasMessageContaining("HOST:PORT");
  }

  @Test
  void nestedListenKeys_stillWork() throws IOException {
    LayeredConfig c = loadYaml("listen:\n  host: \"::\"\n  port: 9\n");
    assertThat(c.string("listen.host")).isEqualTo("::");
    assertThat(c.integer("listen.port")).isEqualTo(9);
  }

  @Test
  void durations_acceptUnitsUnderEitherName() throws IOException {
    LayeredConfig c = loadYaml("drain_timeout: 20s\nlimits:\n  idle_ttl_ms: 5m\n");
    assertThat(c.millis("drain_timeout_ms")).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.millis("limits.idle_ttl_ms")).isEqualTo(Duration.ofMinutes(5));
    assertThat(loadYaml("drain_timeout: 500ms\n").millis("drain_timeout_ms"))
        .isEqualTo(Duration.ofMillis(500));
    assertThat(loadYaml("drain_timeout: 2h\n").millis("drain_timeout_ms"))
        .isEqualTo(Duration.ofHours(2));
  }

  @Test
  void durations_plainNumbersStayMilliseconds() throws IOException {
    assertThat(loadYaml("drain_timeout_ms: 250\n").millis("drain_timeout_ms"))
        .isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void durations_fromEnvironmentAcceptUnits() {
    LayeredConfig c =
        LayeredConfig.load(defaults(), null, Map.of("EDGESPLIT_DRAIN_TIMEOUT_MS", "3s"), Map.of());
    assertThat(c.millis("drain_timeout_ms")).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void badDuration_isRejectedNamingKeyAndValue() throws IOException {
    LayeredConfig c = loadYaml("drain_timeout: 20 sec\n");
    assertThatThrownBy(() -> c.millis("drain_timeout_ms"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("drain_timeout_ms")
        .hasMessageContaining("20 sec");
  }

  @Test
  void sameKeyUnderTwoSpellings_isRejected() {
    assertThatThrownBy(() -> loadYaml("drain_timeout: 20s\ndrain_timeout_ms: 100\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("given twice");
  }

  @Test
  void unknownKeys_areStillRejected() {
    assertThatThrownBy(() -> loadYaml("name_timeout: 1s\n"))
        .hasMessageContaining("unknown configuration key 'name_timeout'");
    assertThatThrownBy(() -> loadYaml("name: {host: a}\n"))
        .hasMessageContaining("unknown configuration key 'name.host'");
  }

  @Test
  void shorthandWorksInOverridesToo() {
    LayeredConfig c =
        LayeredConfig.load(defaults(), null, Map.of(), Map.of("listen", "10.0.0.1:80"));
    assertThat(c.string("listen.host")).isEqualTo("10.0.0.1");
    assertThat(c.integer("listen.port")).isEqualTo(80);
  }
}
