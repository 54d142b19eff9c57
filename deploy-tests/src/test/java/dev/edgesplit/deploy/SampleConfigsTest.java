package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.edge.config.EdgeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every sample configuration shipped (distribution, Docker image, compose, Kubernetes ConfigMap)
 * loads through the app's real loader, which rejects unknown keys and bad values, and means what
 * its comments say.
 */
class SampleConfigsTest {

  @TempDir Path tmp;

  static EdgeConfig edge(Path file) {
    return EdgeConfig.load(file, Map.of(), Map.of());
  }

  static CloudConfig cloud(Path file) {
    return CloudConfig.load(file, Map.of(), Map.of());
  }

  /** The cloud.yaml held by the Kubernetes ConfigMap, as the file the pod mounts. */
  static CloudConfig kubernetesCloud(Path dir) throws IOException {
    String yaml = Yaml.read(Repo.file("deploy/k8s/configmap.yaml")).at("/data/cloud.yaml").asText();
    assertThat(yaml).as("ConfigMap data cloud.yaml").isNotBlank();
    return cloud(Files.writeString(dir.resolve("cloud.yaml"), yaml));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cli/src/dist/conf/edge.yaml", "deploy/docker/edge.yaml"})
  void edgeSamples_load_andRunTheCloudLayersLocallyWhenNoWorkerAnswers(String sample) {
    EdgeConfig c = edge(Repo.file(sample));
    assertThat(c.modelDir()).as("model.dir").isNotNull();
    assertThat(c.cut()).as("model.cut keeps a layer on the board").isGreaterThanOrEqualTo(1);
    assertThat(c.recovery().fallback()).isEqualTo(EdgeConfig.Fallback.LOCAL);
    assertThat(c.cloud().stepTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.cloud().targets()).isNotEmpty();
  }

  @Test
  void distributionEdgeSample_servesLoopbackOnly() {
    EdgeConfig c = edge(Repo.file("cli/src/dist/conf/edge.yaml"));
    assertThat(c.listen().host()).isEqualTo("127.0.0.1");
    assertThat(c.listen().port()).isEqualTo(50051);
    assertThat(c.listen().insecure()).isFalse();
    assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void composeEdgeSample_trustsTheTestCaUnderTheNameOfItsCertificate() {
    EdgeConfig c = edge(Repo.file("deploy/docker/edge.yaml"));
    assertThat(c.security().cloudTls().enabled()).isTrue();
    assertThat(c.security().cloudTls().serverNameOverride()).isEqualTo("localhost");
    assertThat(c.listen().port()).isEqualTo(50051);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"cli/src/dist/conf/cloud.yaml", "deploy/docker/cloud.yaml", "k8s ConfigMap"})
  void cloudSamples_load_withMutualTls_aHealthOnlyListener_andA20sDrain(String sample)
      throws IOException {
    CloudConfig c = sample.startsWith("k8s") ? kubernetesCloud(tmp) : cloud(Repo.file(sample));
    assertThat(c.tls().mutual()).as("mutual TLS").isTrue();
    assertThat(c.healthListen()).endsWith(":50062");
    assertThat(c.listen().port()).isEqualTo(50061);
    assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.limits().kvBudgetBytes()).isEqualTo(2L << 30);
    assertThat(c.limits().idleTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.modelDir()).isEqualTo(Path.of("/models/stories260K"));
  }

  @Test
  void distributionCloudSample_listensOnLoopback() {
    CloudConfig c = cloud(Repo.file("cli/src/dist/conf/cloud.yaml"));
    assertThat(c.listen().host()).isEqualTo("127.0.0.1");
    assertThat(c.healthListen()).isEqualTo("127.0.0.1:50062");
  }
}
