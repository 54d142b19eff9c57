package dev.edgesplit.partitioner.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The Hugging Face Hub's own cache layout, shared with huggingface_hub, transformers and llama.cpp
 * users:
 *
 * <pre>
 * {root}/models--{org}--{name}/blobs/{etag}              file contents, named by their ETag (sha256 for LFS)
 * {root}/models--{org}--{name}/snapshots/{commit}/{file} relative symlinks to the blobs
 * {root}/models--{org}--{name}/refs/{revision}           the commit a branch or tag pointed at
 * </pre>
 *
 * {@code root} is {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code
 * ~/.cache/huggingface/hub}.
 */
public final class HubCache {

  private final Path root;

  public HubCache(Path root) {
    this.root = root;
  }

  /** The cache root that the Hub's own tools use under this environment. */
  public static HubCache fromEnvironment(Map<String, String> env) {
    String hubCache = env.get("HF_HUB_CACHE");
    if (hubCache != null && !hubCache.isBlank()) {
      return new HubCache(Path.of(hubCache));
    }
    String home = env.get("HF_HOME");
    if (home != null && !home.isBlank()) {
      return new HubCache(Path.of(home, "hub"));
    }
    return new HubCache(Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub"));
  }

  public Path root() {
    return root;
  }

  /** {@code models--org--name}. */
  public Path repoDir(String repo) {
    return root.resolve("models--" + repo.replace("/", "--"));
  }

  public Path blob(String repo, String etag) {
    return repoDir(repo).resolve("blobs").resolve(etag);
  }

  public Path snapshot(String repo, String commit) {
    return repoDir(repo).resolve("snapshots").resolve(commit);
  }

  /**
   * The commit {@code revision} names: itself when pinned, else what {@code refs/{revision}} holds,
   * if any.
   */
  public Optional<String> commit(HubModelId id) {
    if (id.pinned()) {
      return Optional.of(id.revision());
    }
    Path ref = repoDir(id.repo()).resolve("refs").resolve(id.revision());
    try {
      if (Files.isRegularFile(ref)) {
        String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
        return commit.matches("[0-9a-f]{40}") ? Optional.of(commit) : Optional.empty();
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** Records that {@code revision} points at {@code commit}. */
  void writeRef(HubModelId id, String commit) throws IOException {
    if (id.pinned()) {
      return;
    }
    Path ref = repoDir(id.repo()).resolve("refs").resolve(id.revision());
    Files.createDirectories(ref.getParent());
    Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
    Files.writeString(tmp, commit, StandardCharsets.UTF_8);
    Files.move(
        tmp,
        ref,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Points {@code snapshots/{commit}/{file}} at the blob with a relative symlink (a copy where
   * links fail).
   */
  void link(String repo, String commit, String file, String etag) throws IOException {
    Path target = snapshot(repo, commit).resolve(file);
    Files.createDirectories(target.getParent());
    Path blob = blob(repo, etag);
    Files.deleteIfExists(target);
    try {
      Files.createSymbolicLink(target, target.getParent().relativize(blob));
    } catch (UnsupportedOperationException | IOException e) {
      Files.copy(blob, target);
    }
  }
}
