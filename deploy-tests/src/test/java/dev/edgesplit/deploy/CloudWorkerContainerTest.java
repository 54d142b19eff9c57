package dev.edgesplit.deploy;

import dev.edgesplit.testkit.SharedModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * Builds the cloud-worker image from deploy/docker/Dockerfile and asks the running container's
 * grpc.health.v1.Health service for SERVING. Needs a Docker engine: skipped, saying so, without one.
 */
class CloudWorkerContainerTest {
    private static final int HEALTH_PORT = 50062;
    private static final Set<String> SKIP_DIRS = Set.of("target", ".git", "node_modules", ".idea", "out");

    @Test
    void cloudWorkerImage_servesGrpcHealth(@TempDir Path work) throws IOException, InterruptedException {
        assumeTrue(dockerAvailable(), "no Docker engine reachable (DOCKER_HOST or /var/run/docker.sock):"
                + " this test builds deploy/docker/Dockerfile and runs the container; run it where Docker runs:"
                + " mvn -pl deploy-tests -am verify -Dtest=CloudWorkerContainerTest"
                + " -Dsurefire.failIfNoSpecifiedTests=false");
        Path models = SharedModels.require("stories260K").getParent().toAbsolutePath();

        Path certs = work.resolve("tls");
        Cmd.Result ca = Cmd.of(Repo.file("deploy/tls/make-test-ca.sh").toString(), certs.toString()).run();
        assertThat(ca.exitCode()).as(ca.describe()).isZero();

        ImageFromDockerfile image = new ImageFromDockerfile("edgesplit/cloud-worker-test", true)
                .withFileFromPath(".", buildContext(work.resolve("context")))
                .withDockerfilePath("deploy/docker/Dockerfile");
        try (GenericContainer<?> worker = new GenericContainer<>(image)
                .withExposedPorts(HEALTH_PORT)
                .withFileSystemBind(models.toString(), "/models", BindMode.READ_ONLY)
                .withFileSystemBind(certs.toString(), "/etc/edgesplit/tls", BindMode.READ_ONLY)
                .waitingFor(Wait.forListeningPorts(HEALTH_PORT))
                .withStartupTimeout(Duration.ofMinutes(3))) {
            worker.start();
            ManagedChannel channel = ManagedChannelBuilder.forAddress(worker.getHost(), worker.getMappedPort(HEALTH_PORT))
                    .usePlaintext().build();
            try {
                HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance());
                assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Sources only: build output and VCS data would make the context hundreds of MB. */
    private static Path buildContext(Path context) throws IOException {
        Path root = Repo.root();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = root.relativize(p);
                boolean skipped = false;
                for (Path part : rel) {
                    skipped |= SKIP_DIRS.contains(part.toString());
                }
                if (skipped || !Files.isRegularFile(p)) {
                    continue;
                }
                Path dest = context.resolve(rel.toString());
                Files.createDirectories(dest.getParent());
                Files.copy(p, dest);
            }
        }
        return context;
    }
}
