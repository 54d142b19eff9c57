package dev.edgesplit.cloud.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.cloud.config.CloudConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListenerSecurityTest {

  private static CloudConfig config(Map<String, String> overrides) {
    return CloudConfig.load(null, Map.of(), overrides);
  }

  @Test
  void loopback_mayServePlaintext() {
    CloudConfig c = config(Map.of());
    assertThat(ListenerSecurity.bindAddress(c.listen(), c.tls()).getAddress().isLoopbackAddress())
        .isTrue();
  }

  @Test
  void nonLoopback_needsMutualTls_unlessInsecure() {
    CloudConfig plain = config(Map.of("listen.host", "0.0.0.0"));
    assertThatThrownBy(() -> ListenerSecurity.bindAddress(plain.listen(), plain.tls()))
        .hasMessageContaining("mutual TLS")
        .hasMessageContaining("insecure: true");
    CloudConfig tlsOnly =
        config(
            Map.of(
                "listen.host",
                "0.0.0.0",
                "tls.enabled",
                "true",
                "tls.cert",
                "/s.crt",
                "tls.key",
                "/s.key"));
    assertThatThrownBy(() -> ListenerSecurity.bindAddress(tlsOnly.listen(), tlsOnly.tls()))
        .hasMessageContaining("tls.client_ca");
    CloudConfig mutual =
        config(
            Map.of(
                "listen.host",
                "0.0.0.0",
                "tls.enabled",
                "true",
                "tls.cert",
                "/s.crt",
                "tls.key",
                "/s.key",
                "tls.client_ca",
                "/ca.crt"));
    assertThat(ListenerSecurity.bindAddress(mutual.listen(), mutual.tls()).getPort())
        .isEqualTo(50052);
    CloudConfig insecure = config(Map.of("listen.host", "0.0.0.0", "insecure", "true"));
    assertThat(ListenerSecurity.bindAddress(insecure.listen(), insecure.tls()).getPort())
        .isEqualTo(50052);
  }

  @Test
  void tlsKeys_areChecked_atLoad_andMissingFiles_atStart() {
    assertThatThrownBy(() -> config(Map.of("tls.enabled", "true")))
        .hasMessageContaining("tls.cert");
    CloudConfig off = config(Map.of("tls.client_ca", "/ca.crt", "listen.host", "0.0.0.0"));
    assertThat(off.tls().mutual()).as("files are ignored while tls.enabled is false").isFalse();
    assertThatThrownBy(() -> ListenerSecurity.bindAddress(off.listen(), off.tls()))
        .hasMessageContaining("mutual TLS");
    CloudConfig missing =
        config(
            Map.of(
                "tls.enabled",
                "true",
                "tls.cert",
                "/nonexistent/s.crt",
                "tls.key",
                "/nonexistent/s.key"));
    assertThatThrownBy(() -> ListenerSecurity.credentials(missing.tls()))
        .hasMessageContaining("tls.cert /nonexistent/s.crt: no such file");
  }
}
