package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/k8s: every manifest parses, validates against the JSON schema of its kind (a hand-written
 * subset of the Kubernetes API, src/test/resources/k8s/kubernetes-subset.schema.json: required
 * fields, types, enums, ranges, closed objects), and the objects reference each other consistently.
 */
class KubernetesManifestsTest {
  static JsonNode schemaRoot;
  static final Map<String, JsonNode> BY_KIND = new HashMap<>();
  static final List<Path> FILES = new ArrayList<>();

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in =
        KubernetesManifestsTest.class.getResourceAsStream("/k8s/kubernetes-subset.schema.json")) {
      schemaRoot = Yaml.JSON.readTree(in);
    }
    try (Stream<Path> files = Files.list(Repo.file("deploy/k8s"))) {
      files.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(FILES::add);
    }
    for (Path f : FILES) {
      for (JsonNode doc : Yaml.readAll(f)) {
        assertThat(BY_KIND.put(doc.path("kind").asText(), doc))
            .as("one %s in deploy/k8s", doc.path("kind"))
            .isNull();
      }
    }
  }

  static Set<String> validate(JsonNode doc) {
    String kind = doc.path("kind").asText();
    assertThat(schemaRoot.path("$defs").has(kind)).as("a schema for kind '%s'", kind).isTrue();
    ObjectNode schema = schemaRoot.deepCopy();
    schema.remove("$id");
    schema.put("$ref", "#/$defs/" + kind);
    Set<ValidationMessage> errors =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
            .getSchema(schema)
            .validate(doc);
    return errors.stream().map(ValidationMessage::getMessage).collect(Collectors.toSet());
  }

  @Test
  void everyManifest_validatesAgainstTheSchemaOfItsKind() {
    assertThat(BY_KIND.keySet())
        .contains(
            "Namespace",
            "ConfigMap",
            "Deployment",
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "Kustomization");
    for (Path f : FILES) {
      for (JsonNode doc : Yaml.readAll(f)) {
        assertThat(validate(doc))
            .as("%s (%s)", f.getFileName(), doc.path("kind").asText())
            .isEmpty();
      }
    }
  }

  @Test
  void schema_rejectsTyposWrongTypesAndMissingFields() {
    ObjectNode typo = BY_KIND.get("Deployment").deepCopy();
    ObjectNode container = (ObjectNode) typo.at("/spec/template/spec/containers/0");
    container.set("readinesProbe", container.remove("readinessProbe"));
    assertThat(validate(typo)).anyMatch(m -> m.contains("readinesProbe"));

    ObjectNode wrongType = BY_KIND.get("Service").deepCopy();
    ((ObjectNode) wrongType.at("/spec/ports/0")).put("port", "fifty");
    assertThat(validate(wrongType)).isNotEmpty();

    ObjectNode missing = BY_KIND.get("HorizontalPodAutoscaler").deepCopy();
    ((ObjectNode) missing.path("spec")).remove("maxReplicas");
    assertThat(validate(missing)).anyMatch(m -> m.contains("maxReplicas"));

    ObjectNode both = BY_KIND.get("PodDisruptionBudget").deepCopy();
    ((ObjectNode) both.path("spec")).put("maxUnavailable", 1);
    assertThat(validate(both)).isNotEmpty();
  }

  @Test
  void kustomization_listsEveryManifest() {
    List<String> resources = new ArrayList<>();
    BY_KIND.get("Kustomization").path("resources").forEach(r -> resources.add(r.asText()));
    List<String> manifests =
        FILES.stream()
            .map(p -> p.getFileName().toString())
            .filter(n -> !n.equals("kustomization.yaml"))
            .collect(Collectors.toList());
    assertThat(resources).containsExactlyInAnyOrderElementsOf(manifests);
  }

  @Test
  void objects_referenceEachOther() {
    JsonNode deploy = BY_KIND.get("Deployment");
    JsonNode podLabels = deploy.at("/spec/template/metadata/labels");
    JsonNode selector = deploy.at("/spec/selector/matchLabels");
    selector
        .fields()
        .forEachRemaining(e -> assertThat(podLabels.path(e.getKey())).isEqualTo(e.getValue()));

    JsonNode svc = BY_KIND.get("Service");
    assertThat(svc.at("/spec/clusterIP").asText())
        .as("headless Service for client-side round-robin")
        .isEqualTo("None");
    svc.at("/spec/selector")
        .fields()
        .forEachRemaining(e -> assertThat(podLabels.path(e.getKey())).isEqualTo(e.getValue()));
    JsonNode pdbSel = BY_KIND.get("PodDisruptionBudget").at("/spec/selector/matchLabels");
    pdbSel
        .fields()
        .forEachRemaining(e -> assertThat(podLabels.path(e.getKey())).isEqualTo(e.getValue()));

    JsonNode target = BY_KIND.get("HorizontalPodAutoscaler").at("/spec/scaleTargetRef");
    assertThat(target.path("kind").asText()).isEqualTo("Deployment");
    assertThat(target.path("name").asText()).isEqualTo(deploy.at("/metadata/name").asText());
    assertThat(BY_KIND.get("HorizontalPodAutoscaler").at("/spec/minReplicas").asInt())
        .isGreaterThan(BY_KIND.get("PodDisruptionBudget").at("/spec/minAvailable").asInt());

    String ns = BY_KIND.get("Namespace").at("/metadata/name").asText();
    BY_KIND.values().stream()
        .filter(d -> !Set.of("Namespace", "Kustomization").contains(d.path("kind").asText()))
        .forEach(
            d ->
                assertThat(d.at("/metadata/namespace").asText())
                    .as("%s namespace", d.path("kind"))
                    .isEqualTo(ns));

    JsonNode container = deploy.at("/spec/template/spec/containers/0");
    Map<String, Integer> ports = new HashMap<>();
    container
        .path("ports")
        .forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    for (JsonNode p : svc.at("/spec/ports")) {
      assertThat(ports)
          .as("Service targetPort %s", p.path("targetPort"))
          .containsKey(p.path("targetPort").asText());
    }
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      assertThat(container.at("/" + probe + "/grpc/port").asInt())
          .as(probe + " asks the gRPC health port")
          .isEqualTo(ports.get("health"));
    }

    Map<String, JsonNode> volumes = new HashMap<>();
    deploy.at("/spec/template/spec/volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
    for (JsonNode m : container.path("volumeMounts")) {
      assertThat(volumes).as("volumeMount %s", m.path("name")).containsKey(m.path("name").asText());
    }
    JsonNode cm = BY_KIND.get("ConfigMap");
    assertThat(volumes.get("config").at("/configMap/name").asText())
        .isEqualTo(cm.at("/metadata/name").asText());
    assertThat(volumes.get("tls").at("/secret/secretName").asText())
        .isEqualTo("edgesplit-cloud-tls");
  }

  @Test
  void configMap_holdsAConfigWhosePortsAndPathsMatchThePod(@TempDir Path tmp) throws IOException {
    JsonNode deploy = BY_KIND.get("Deployment");
    JsonNode container = deploy.at("/spec/template/spec/containers/0");
    JsonNode cm = BY_KIND.get("ConfigMap");
    List<String> args = new ArrayList<>();
    container.path("args").forEach(a -> args.add(a.asText()));
    String configPath = args.get(args.indexOf("--config") + 1);
    JsonNode mount = null;
    for (JsonNode m : container.path("volumeMounts")) {
      if (m.path("mountPath").asText().equals(configPath)) {
        mount = m;
      }
    }
    assertThat(mount).as("a volumeMount at %s", configPath).isNotNull();
    JsonNode config =
        Yaml.readString(
            cm.at("/data/" + mount.path("subPath").asText()).asText(),
            "ConfigMap " + cm.at("/metadata/name"));

    Map<String, Integer> ports = new HashMap<>();
    container
        .path("ports")
        .forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    assertThat(config.at("/listen").asText()).endsWith(":" + ports.get("grpc"));
    assertThat(config.at("/health/listen").asText()).isEqualTo("0.0.0.0:" + ports.get("health"));
    assertThat(config.at("/metrics/listen").asText()).endsWith(":" + ports.get("metrics"));
    assertThat(config.at("/tls/enabled").asBoolean())
        .as("a pod listens beyond loopback: TLS")
        .isTrue();
    for (String key : List.of("/tls/cert", "/tls/key", "/tls/client_ca")) {
      assertThat(config.at(key).asText()).startsWith("/etc/edgesplit/tls/");
    }
    assertThat(config.at("/model/dir").asText()).startsWith("/models/");

    JsonNode res = container.path("resources");
    assertThat(bytes(res.at("/requests/memory").asText()))
        .isLessThanOrEqualTo(bytes(res.at("/limits/memory").asText()));
    assertThat(Double.parseDouble(res.at("/requests/cpu").asText()))
        .isLessThanOrEqualTo(Double.parseDouble(res.at("/limits/cpu").asText()));
    long drain = SampleConfigsTest.kubernetesCloud(tmp).drainTimeout().toSeconds();
    assertThat(deploy.at("/spec/template/spec/terminationGracePeriodSeconds").asLong())
        .isGreaterThan(drain);
  }

  private static long bytes(String quantity) {
    if (quantity.endsWith("Gi")) {
      return Long.parseLong(quantity.replace("Gi", "")) << 30;
    }
    if (quantity.endsWith("Mi")) {
      return Long.parseLong(quantity.replace("Mi", "")) << 20;
    }
    return Long.parseLong(quantity);
  }
}
