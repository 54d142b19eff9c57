package dev.edgesplit.edge.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.edge.config.EdgeConfig;
import io.grpc.ManagedChannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which Generate listeners and cloud targets the configuration may have, and how the keys are
 * checked.
 */
class ListenerPolicyTest {

  private static EdgeConfig config(Map<String, String> overrides) {
    Map<String, String> o = new HashMap<>(overrides);
    return EdgeConfig.load(null, Map.of(), o);
  }

  @Test
  void loopback_mayServePlaintextWithoutAuth() {
    EdgeConfig c = config(Map.of());
    assertThat(
            ListenerSecurity.bindAddress(c.listen(), c.security()).getAddress().isLoopbackAddress())
        .isTrue();
  }

  @Test
  void nonLoopback_withoutTlsAndAuth_isRefused_unlessInsecure() {
    EdgeConfig c = config(Map.of("listen.host", "0.0.0.0"));
    assertThatThrownBy(() -> ListenerSecurity.bindAddress(c.listen(), c.security()))
        .hasMessageContaining("not a loopback address")
        .hasMessageContaining("insecure");
    EdgeConfig tokenButPlaintext =
        config(
            Map.of(
                "listen.host",
                "0.0.0.0",
                "auth.mode",
                "token",
                "auth.tokens_file",
                "/nonexistent"));
    assertThatThrownBy(
            () ->
                ListenerSecurity.bindAddress(
                    tokenButPlaintext.listen(), tokenButPlaintext.security()))
        .hasMessageContaining("server_tls");
    EdgeConfig insecure = config(Map.of("listen.host", "0.0.0.0", "insecure", "true"));
    assertThat(ListenerSecurity.bindAddress(insecure.listen(), insecure.security()).getPort())
        .isEqualTo(50051);
  }

  @Test
  void plaintextToARemoteCloud_isRefused_unlessInsecure() {
    assertThatThrownBy(() -> CloudChannels.open(config(Map.of("cloud.target", "192.0.2.1:50061"))))
        .hasMessageContaining("cloud.target")
        .hasMessageContaining("insecure");
    assertThat(CloudChannels.isLoopback("127.0.0.1:50052")).isTrue();
    assertThat(CloudChannels.isLoopback("localhost:50052")).isTrue();
    assertThat(CloudChannels.isLoopback("[::1]:50052")).isTrue();
    assertThat(CloudChannels.isLoopback("dns:///127.0.0.1:50052")).isTrue();
    assertThat(CloudChannels.isLoopback("dns:///192.0.2.1:50052")).isFalse();
    CloudChannels.open(config(Map.of("cloud.target", "192.0.2.1:50061", "insecure", "true")))
        .forEach(ManagedChannel::shutdownNow);
  }

  @Test
  void cloudTargetList_isCheckedWorkerByWorker_andGetsOneChannelPerWorker() {
    assertThatThrownBy(
            () ->
                CloudChannels.open(
                    config(Map.of("cloud.target", "127.0.0.1:50052,192.0.2.1:50061"))))
        .hasMessageContaining("cloud.target 192.0.2.1:50061 is not a loopback address");
    List<ManagedChannel> channels =
        CloudChannels.open(config(Map.of("cloud.target", "127.0.0.1:50052, localhost:50053")));
    try {
      assertThat(channels)
          .extracting(ManagedChannel::authority)
          .containsExactly("127.0.0.1:50052", "localhost:50053");
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  @Test
  void inconsistentSecurityKeys_failAtLoad_namingTheKey() {
    assertThatThrownBy(() -> config(Map.of("auth.mode", "token")))
        .hasMessageContaining("auth.tokens_file");
    assertThatThrownBy(() -> config(Map.of("auth.mode", "client_cert")))
        .hasMessageContaining("server_tls.client_ca");
    assertThatThrownBy(() -> config(Map.of("auth.mode", "password")))
        .hasMessageContaining("none, token or client_cert");
    assertThatThrownBy(() -> config(Map.of("server_tls.enabled", "true")))
        .hasMessageContaining("server_tls.cert");
    assertThatThrownBy(() -> config(Map.of("tls.cert", "/x.crt"))).hasMessageContaining("tls.key");
    assertThatThrownBy(() -> config(Map.of("limits.rate_per_second", "-1")))
        .hasMessageContaining("rate_per_second");
    assertThatThrownBy(() -> config(Map.of("limits.rate_per_second", "fast")))
        .hasMessageContaining("a number");
  }
}
