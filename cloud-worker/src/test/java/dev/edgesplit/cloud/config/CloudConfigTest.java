package dev.edgesplit.cloud.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloudConfigTest {

  @TempDir Path dir;

  @Test
  void defaults_listenOnLoopback() {
    CloudConfig c = CloudConfig.load(null, Map.of(), Map.of());
    assertThat(c.listen().host()).isEqualTo("127.0.0.1");
    assertThat(c.listen().insecure()).isFalse();
  }

  @Test
  void layers_applyInOrder_fileThenEnvThenOverrides() throws Exception {
    Path yaml = dir.resolve("cloud.yaml");
    Files.writeString(
        yaml, "listen:\n  port: 6000\nmodel:\n  cut: 3\nlimits:\n  idle_ttl_ms: 1500\n");
    CloudConfig c =
        CloudConfig.load(
            yaml,
            Map.of("EDGESPLIT_LISTEN_PORT", "7000", "EDGESPLIT_MODEL_CUT", "4"),
            Map.of("model.cut", "2"));
    assertThat(c.listen().port()).isEqualTo(7000);
    assertThat(c.cut()).isEqualTo(2);
    assertThat(c.limits().idleTtl()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void propertiesFiles_work_andUnknownKeysAreRejected() throws Exception {
    Path props = dir.resolve("cloud.properties");
    Files.writeString(props, "limits.max_sessions=5\n");
    assertThat(CloudConfig.load(props, Map.of(), Map.of()).limits().maxSessions()).isEqualTo(5);
    Files.writeString(props, "limits.max_sesions=5\n");
    assertThatThrownBy(() -> CloudConfig.load(props, Map.of(), Map.of()))
        .hasMessageContaining("unknown configuration key 'limits.max_sesions'");
  }

  @Test
  void badValues_nameTheKeyAndTheEnvVariable() {
    assertThatThrownBy(() -> CloudConfig.load(null, Map.of("EDGESPLIT_LISTEN_PORT", "x"), Map.of()))
        .hasMessageContaining("listen.port")
        .hasMessageContaining("EDGESPLIT_LISTEN_PORT");
  }
}
