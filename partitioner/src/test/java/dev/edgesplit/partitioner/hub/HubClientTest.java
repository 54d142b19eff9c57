package dev.edgesplit.partitioner.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.partitioner.RandomModels;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.model.SafetensorsDType;
import dev.edgesplit.partitioner.model.SafetensorsWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hf:} downloads against a loopback server with the Hub's URL layout and headers ({@link
 * FakeHub}).
 */
class HubClientTest {

  private static final String REPO = "edgesplit-test/tiny-llama";

  @TempDir Path dir;
  private FakeHub hub;
  private HubCache cache;
  private final StringWriter log = new StringWriter();
  private ModelWeights model;

  @BeforeEach
  void serve() throws Exception {
    model = RandomModels.tiny(16, false, false, 11);
    Path src = Files.createDirectories(dir.resolve("src"));
    SafetensorsWriter.write(model, src, SafetensorsDType.F32, Long.MAX_VALUE);
    hub = new FakeHub(REPO);
    hub.file("config.json", Files.readAllBytes(src.resolve("config.json")))
        .file("model.safetensors", Files.readAllBytes(src.resolve("model.safetensors")));
    cache = new HubCache(dir.resolve("hf-home").resolve("hub"));
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private HubClient client(Optional<String> token, boolean offline) {
    return new HubClient(hub.endpoint(), token, offline, cache, new PrintWriter(log, true));
  }

  @Test
  void download_fillsTheHubCacheLayout_andTheModelImports() throws Exception {
    Path snapshot = client(Optional.of("hf_secret"), false).fetch(HubModelId.parse("hf:" + REPO));

    Path repoDir = cache.root().resolve("models--edgesplit-test--tiny-llama");
    assertThat(snapshot).isEqualTo(repoDir.resolve("snapshots").resolve(FakeHub.COMMIT));
    assertThat(Files.readString(repoDir.resolve("refs/main"))).isEqualTo(FakeHub.COMMIT);
    Path weights = snapshot.resolve("model.safetensors");
    assertThat(Files.isSymbolicLink(weights)).isTrue();
    assertThat(Files.readSymbolicLink(weights).toString())
        .isEqualTo("../../blobs/" + hub.etag("model.safetensors"));
    assertThat(HubClient.sha256(weights)).isEqualTo(hub.etag("model.safetensors"));
    assertThat(repoDir.resolve("blobs").resolve(hub.etag("config.json"))).isRegularFile();
    assertThat(ModelImporter.load(snapshot).tensor("layers.1.wq").data())
        .containsExactly(model.tensor("layers.1.wq").data());
    // The token goes to the Hub, never to the CDN it redirects to.
    assertThat(hub.seen)
        .filteredOn(s -> s.path().contains("/resolve/"))
        .allMatch(s -> "Bearer hf_secret".equals(s.authorization()));
    assertThat(hub.seen)
        .filteredOn(s -> s.path().startsWith("/cdn/"))
        .isNotEmpty()
        .allMatch(s -> s.authorization() == null);
    assertThat(log.toString()).contains("model.safetensors").contains("checksum ok");
  }

  @Test
  void interruptedDownload_resumesWithARangeRequest() throws Exception {
    int size = (int) Files.size(dir.resolve("src/model.safetensors"));
    hub.cutOnce("model.safetensors", size / 2);
    Path snapshot = client(Optional.empty(), false).fetch(HubModelId.parse("hf:" + REPO));

    // The resume starts where the kept bytes end: at most the half the server sent before cutting
    // (under load the client may not have read all of it before the reset), and never from zero.
    List<String> ranges =
        hub.seen.stream()
            .filter(s -> s.path().equals("/cdn/model.safetensors"))
            .map(FakeHub.Seen::range)
            .toList();
    assertThat(ranges).hasSize(2);
    assertThat(ranges.get(0)).isNull();
    assertThat(ranges.get(1)).matches("bytes=\\d+-");
    long resumedAt = Long.parseLong(ranges.get(1).replaceAll("\\D", ""));
    assertThat(resumedAt).isPositive().isLessThanOrEqualTo(size / 2);
    assertThat(HubClient.sha256(snapshot.resolve("model.safetensors")))
        .isEqualTo(hub.etag("model.safetensors"));
    assertThat(log.toString()).contains("resumed, checksum ok");
  }

  @Test
  void partialFileFromAnEarlierRun_isResumed() throws Exception {
    byte[] bytes = Files.readAllBytes(dir.resolve("src/model.safetensors"));
    Path partial = cache.blob(REPO, hub.etag("model.safetensors") + ".incomplete");
    Files.createDirectories(partial.getParent());
    Files.write(partial, java.util.Arrays.copyOf(bytes, 1000));

    client(Optional.empty(), false).fetch(HubModelId.parse("hf:" + REPO));

    assertThat(hub.seen)
        .filteredOn(s -> s.path().equals("/cdn/model.safetensors"))
        .extracting(FakeHub.Seen::range)
        .containsExactly("bytes=1000-");
    assertThat(cache.blob(REPO, hub.etag("model.safetensors"))).hasBinaryContent(bytes);
    assertThat(partial).doesNotExist();
  }

  @Test
  void checksumMismatch_isRejected_andNothingEntersTheCache() {
    hub.corrupt("model.safetensors");
    assertThatThrownBy(() -> client(Optional.empty(), false).fetch(HubModelId.parse("hf:" + REPO)))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("model.safetensors failed its checksum")
        .hasMessageContaining(hub.etag("model.safetensors"));
    assertThat(cache.blob(REPO, hub.etag("model.safetensors"))).doesNotExist();
    assertThat(cache.blob(REPO, hub.etag("model.safetensors") + ".incomplete")).doesNotExist();
    assertThat(cache.snapshot(REPO, FakeHub.COMMIT).resolve("model.safetensors")).doesNotExist();
  }

  @Test
  void existingCache_isUsedWithoutAnyRequest() throws Exception {
    Path first = client(Optional.empty(), false).fetch(HubModelId.parse("hf:" + REPO));
    int requests = hub.seen.size();
    hub.close(); // nothing listens any more: a request would fail

    Path again =
        new HubClient(
                URI.create("http://127.0.0.1:9"),
                Optional.empty(),
                false,
                cache,
                new PrintWriter(log, true))
            .fetch(HubModelId.parse("hf:" + REPO));

    assertThat(again).isEqualTo(first);
    assertThat(hub.seen).hasSize(requests);
  }

  @Test
  void cacheLaidOutByOtherTools_isFoundOffline() throws Exception {
    // As huggingface_hub leaves it: refs/main, blobs named by hash, snapshot symlinks.
    Path src = dir.resolve("src");
    String commit = "fedcba9876543210fedcba9876543210fedcba98";
    for (String f : new String[] {"config.json", "model.safetensors"}) {
      Path blob = cache.blob(REPO, HubClient.sha256(src.resolve(f)));
      Files.createDirectories(blob.getParent());
      Files.copy(src.resolve(f), blob);
      cache.link(REPO, commit, f, blob.getFileName().toString());
    }
    Files.writeString(
        Files.createDirectories(cache.repoDir(REPO).resolve("refs")).resolve("main"), commit);

    Path snapshot = client(Optional.empty(), true).fetch(HubModelId.parse("hf:" + REPO));

    assertThat(snapshot).isEqualTo(cache.snapshot(REPO, commit));
    assertThat(hub.seen).isEmpty();
    assertThat(ModelImporter.load(snapshot).config().dim()).isEqualTo(model.config().dim());
  }

  @Test
  void offline_namesWhatIsMissing() throws Exception {
    assertThatThrownBy(
            () -> client(Optional.empty(), true).fetch(HubModelId.parse("hf:" + REPO + "@v2")))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("offline")
        .hasMessageContaining("models--edgesplit-test--tiny-llama")
        .hasMessageContaining("'v2'");
    client(Optional.empty(), false).fetch(HubModelId.parse("hf:" + REPO));
    Files.delete(cache.snapshot(REPO, FakeHub.COMMIT).resolve("model.safetensors"));
    assertThatThrownBy(() -> client(Optional.empty(), true).fetch(HubModelId.parse("hf:" + REPO)))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("lacks [model.safetensors or");
  }

  @Test
  void unreachableHub_namesTheMissingFiles() {
    HubClient unreachable =
        new HubClient(
            URI.create("http://127.0.0.1:9"),
            Optional.empty(),
            false,
            cache,
            new PrintWriter(log, true));
    assertThatThrownBy(() -> unreachable.fetch(HubModelId.parse("hf:" + REPO)))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("cannot reach")
        .hasMessageContaining("config.json");
  }

  @Test
  void namedGgufFile_isFetchedAlone() throws Exception {
    hub.file("tiny-Q8_0.gguf", new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0});
    Path file =
        client(Optional.empty(), false).fetch(HubModelId.parse("hf:" + REPO + "/tiny-Q8_0.gguf"));
    assertThat(file)
        .isEqualTo(cache.snapshot(REPO, FakeHub.COMMIT).resolve("tiny-Q8_0.gguf"))
        .hasSize(8);
    assertThat(hub.seen).noneMatch(s -> s.path().endsWith("config.json"));
  }

  @Test
  void unknownRepo_isNotFound() {
    assertThatThrownBy(
            () -> client(Optional.empty(), false).fetch(HubModelId.parse("hf:other/repo")))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("config.json not found");
  }

  @Test
  void gatedModel_saysToSetHfToken_andOpensWithIt() {
    hub.gated = true;
    assertThatThrownBy(() -> client(Optional.empty(), false).fetch(HubModelId.parse("hf:" + REPO)))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("gated or private")
        .hasMessageContaining("HF_TOKEN");
    assertThat(client(Optional.of("hf_ok"), false).fetch(HubModelId.parse("hf:" + REPO)))
        .isDirectory();
  }

  @Test
  void modelIds_parse() {
    assertThat(HubModelId.parse("hf:org/name"))
        .isEqualTo(new HubModelId("org/name", "main", Optional.empty()));
    assertThat(HubModelId.parse("hf:org/name@v1.0"))
        .isEqualTo(new HubModelId("org/name", "v1.0", Optional.empty()));
    assertThat(HubModelId.parse("hf:org/name@dev/m.Q4_0.gguf"))
        .isEqualTo(new HubModelId("org/name", "dev", Optional.of("m.Q4_0.gguf")));
    assertThat(HubModelId.parse("hf:org/name/m.gguf").file()).contains("m.gguf");
    assertThatThrownBy(() -> HubModelId.parse("hf:org"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HubModelId.parse("hf:org/../x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HubModelId.parse("hf:org/name/notes.txt"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
