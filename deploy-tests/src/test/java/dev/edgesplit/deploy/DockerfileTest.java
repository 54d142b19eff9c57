package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Static checks of deploy/docker/Dockerfile (no engine needed): multi-stage, non-root, health check
 * through the gRPC health port, exposed ports equal to the baked config, every COPY source present
 * in the context.
 */
class DockerfileTest {
  private final List<String> lines = instructions();

  private static List<String> instructions() {
    try {
      String text =
          Files.readString(Repo.file("deploy/docker/Dockerfile")).replaceAll("\\\\\\n", " ");
      List<String> out = new ArrayList<>();
      for (String l : text.split("\n")) {
        String t = l.trim();
        if (!t.isEmpty() && !t.startsWith("#")) {
          out.add(t);
        }
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private List<String> all(String instruction) {
    return lines.stream().filter(l -> l.startsWith(instruction + " ")).toList();
  }

  @Test
  void buildsInOneStage_andRunsOnAJreAsNonRoot() {
    List<String> from = all("FROM");
    assertThat(from).hasSize(2);
    assertThat(from.get(0)).isEqualTo("FROM ${BUILD_IMAGE} AS build");
    assertThat(from.get(1)).isEqualTo("FROM ${RUNTIME_IMAGE}");
    // Users pull the public images; CI passes local ones (deploy-tests/setup-containers.sh).
    assertThat(all("ARG"))
        .contains(
            "ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17",
            "ARG RUNTIME_IMAGE=eclipse-temurin:17-jre",
            "ARG DIST=build");
    assertThat(all("USER"))
        .singleElement()
        .satisfies(u -> assertThat(u).doesNotContain("root").doesNotContain(" 0"));
    assertThat(all("RUN").get(0)).contains("mvn").contains("-DskipTests").contains("package");
    assertThat(all("ENTRYPOINT"))
        .singleElement()
        .asString()
        .contains("/opt/edgesplit/bin/edgesplit");
  }

  @Test
  void healthCheck_asksTheGrpcHealthPortOfTheBakedConfig() {
    JsonNode config = Yaml.read(Repo.file("deploy/docker/cloud.yaml"));
    String healthPort = config.at("/health/listen").asText().replaceAll(".*:", "");
    assertThat(all("HEALTHCHECK")).singleElement().asString().contains("edgesplit health --target");
    String env = String.join(" ", all("ENV"));
    assertThat(env).contains("EDGESPLIT_HEALTH_TARGET=127.0.0.1:" + healthPort);
    Matcher expose = Pattern.compile("EXPOSE (.*)").matcher(String.join("\n", all("EXPOSE")));
    assertThat(expose.find()).isTrue();
    List<String> ports = List.of(expose.group(1).trim().split("\\s+"));
    for (String key : List.of("/listen", "/health/listen", "/metrics/listen")) {
      assertThat(ports).contains(config.at(key).asText().replaceAll(".*:", ""));
    }
  }

  @Test
  void copySourcesExist_andTheContextIgnoresBuildOutput() throws IOException {
    for (String copy : all("COPY")) {
      if (copy.contains("--from=")) {
        continue;
      }
      String[] parts = copy.split("\\s+");
      String src = parts[1];
      if (!src.equals(".")) {
        assertThat(Repo.root().resolve(src)).as(copy).exists();
      }
    }
    assertThat(Files.readAllLines(Repo.file(".dockerignore"))).contains("**/target", ".git");
  }
}
