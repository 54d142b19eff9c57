package dev.edgesplit.partitioner.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fetches a model from the Hugging Face Hub into the Hub's own cache ({@link HubCache}) and returns
 * the local snapshot folder (or the named GGUF file in it).
 *
 * <p>A snapshot already complete in the cache is used without any network access. Otherwise each
 * file is asked for at {@code {endpoint}/{repo}/resolve/{revision}/{file}} without following
 * redirects, to read the Hub's headers ({@code X-Repo-Commit}, {@code X-Linked-Etag} or {@code
 * ETag}, {@code X-Linked-Size}), then downloaded from where it redirects (the CDN; the token is
 * sent to the Hub's own host only) into {@code blobs/{etag}.incomplete}, resuming a partial file
 * with an HTTP range request, and checked against its ETag (sha256 for LFS files, the git blob sha1
 * for small ones) and size before it becomes the blob. {@code HF_TOKEN} authorizes gated models,
 * {@code HF_ENDPOINT} picks a mirror, {@code HF_HUB_OFFLINE=1} forbids the network. Not
 * thread-safe; one fetch at a time per cache.
 */
public final class HubClient {

  /** The public Hub. */
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  static final String CONFIG = "config.json";
  static final String SINGLE = "model.safetensors";
  static final String INDEX = "model.safetensors.index.json";
  static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json");
  private static final int ATTEMPTS = 4;
  private static final int MAX_REDIRECTS = 5;

  private final HttpClient http;
  private final URI endpoint;
  private final Optional<String> token;
  private final boolean offline;
  private final HubCache cache;
  private final PrintWriter log;

  /**
   * @param endpoint the Hub or a mirror, e.g. {@link #DEFAULT_ENDPOINT}
   * @param token bearer token for gated or private models
   * @param offline never use the network: only the cache
   * @param log where progress bars and notes go
   */
  public HubClient(
      URI endpoint, Optional<String> token, boolean offline, HubCache cache, PrintWriter log) {
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(20))
            .build();
    this.endpoint = URI.create(endpoint.toString().replaceAll("/+$", "") + "/");
    this.token = token.filter(t -> !t.isBlank());
    this.offline = offline;
    this.cache = cache;
    this.log = log;
  }

  /**
   * A client configured as the Hub's own tools are: HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, HF_HOME.
   */
  public static HubClient fromEnvironment(Map<String, String> env, PrintWriter log) {
    String endpoint = env.getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT);
    String offline = env.getOrDefault("HF_HUB_OFFLINE", "");
    return new HubClient(
        URI.create(endpoint.isBlank() ? DEFAULT_ENDPOINT : endpoint),
        Optional.ofNullable(env.get("HF_TOKEN")),
        offline.equals("1") || offline.equalsIgnoreCase("true"),
        HubCache.fromEnvironment(env),
        log);
  }

  /**
   * The local copy of {@code id}: the snapshot folder holding config.json, the safetensors weights
   * and the tokenizer files, or the named GGUF file.
   *
   * @throws HubException when a file cannot be fetched (offline: naming what is missing from the
   *     cache)
   */
  public Path fetch(HubModelId id) {
    Optional<String> cachedCommit = cache.commit(id);
    if (cachedCommit.isPresent()) {
      List<String> missing = missingFromSnapshot(id, cache.snapshot(id.repo(), cachedCommit.get()));
      if (missing.isEmpty()) {
        return target(id, cachedCommit.get());
      }
      if (offline) {
        throw new HubException(
            id
                + ": offline (HF_HUB_OFFLINE) and the cache "
                + cache.snapshot(id.repo(), cachedCommit.get())
                + " lacks "
                + missing);
      }
    } else if (offline) {
      throw new HubException(
          id
              + ": offline (HF_HUB_OFFLINE) and "
              + cache.repoDir(id.repo())
              + " has no snapshot for revision '"
              + id.revision()
              + "'");
    }
    try {
      return download(id);
    } catch (IOException e) {
      String where =
          cachedCommit
              .map(c -> cache.snapshot(id.repo(), c).toString())
              .orElse(cache.repoDir(id.repo()) + " (no snapshot for '" + id.revision() + "')");
      throw new HubException(
          id
              + ": cannot reach "
              + endpoint
              + " ("
              + e
              + "), and the cache "
              + where
              + " lacks "
              + (cachedCommit.isPresent()
                  ? missingFromSnapshot(id, cache.snapshot(id.repo(), cachedCommit.get()))
                  : required(id)),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException(id + ": interrupted while downloading", e);
    }
  }

  private Path target(HubModelId id, String commit) {
    Path snapshot = cache.snapshot(id.repo(), commit);
    return id.file().map(snapshot::resolve).orElse(snapshot);
  }

  private static List<String> required(HubModelId id) {
    return id.file().map(List::of).orElse(List.of(CONFIG, SINGLE + " or " + INDEX));
  }

  /** The files a complete snapshot of {@code id} needs that {@code snapshot} does not have. */
  static List<String> missingFromSnapshot(HubModelId id, Path snapshot) {
    List<String> missing = new ArrayList<>();
    if (id.file().isPresent()) {
      if (!Files.isRegularFile(snapshot.resolve(id.file().get()))) {
        missing.add(id.file().get());
      }
      return missing;
    }
    if (!Files.isRegularFile(snapshot.resolve(CONFIG))) {
      missing.add(CONFIG);
    }
    if (Files.isRegularFile(snapshot.resolve(INDEX))) {
      try {
        for (String shard : shards(Files.readString(snapshot.resolve(INDEX)))) {
          if (!Files.isRegularFile(snapshot.resolve(shard))) {
            missing.add(shard);
          }
        }
      } catch (IOException | HubException e) {
        missing.add(INDEX + " (unreadable)");
      }
    } else if (!Files.isRegularFile(snapshot.resolve(SINGLE))) {
      missing.add(SINGLE + " or " + INDEX);
    }
    return missing;
  }

  /** The distinct shard files an index's weight_map names, checked to be plain relative names. */
  static Set<String> shards(String indexJson) {
    Set<String> shards = new LinkedHashSet<>();
    try {
      JsonNode map = new ObjectMapper().readTree(indexJson).path("weight_map");
      Iterator<JsonNode> values = map.elements();
      while (values.hasNext()) {
        String shard = values.next().asText("");
        if (!shard.matches("[A-Za-z0-9][A-Za-z0-9._-]*\\.safetensors")) {
          throw new HubException(INDEX + " names a bad shard '" + shard + "'");
        }
        shards.add(shard);
      }
    } catch (IOException e) {
      throw new HubException(INDEX + " is not valid JSON: " + e.getMessage(), e);
    }
    if (shards.isEmpty()) {
      throw new HubException(INDEX + " has no weight_map");
    }
    return shards;
  }

  private Path download(HubModelId id) throws IOException, InterruptedException {
    if (id.file().isPresent()) {
      String commit = fetchFile(id, id.revision(), id.file().get(), true).orElseThrow();
      cache.writeRef(id, commit);
      return target(id, commit);
    }
    // The first file fixes the commit; the rest are asked for at that commit, so a push meanwhile
    // cannot mix them.
    String commit = fetchFile(id, id.revision(), CONFIG, true).orElseThrow();
    Path snapshot = cache.snapshot(id.repo(), commit);
    if (fetchFile(id, commit, INDEX, false).isPresent()) {
      for (String shard : shards(Files.readString(snapshot.resolve(INDEX)))) {
        fetchFile(id, commit, shard, true);
      }
    } else {
      fetchFile(id, commit, SINGLE, true);
    }
    for (String file : TOKENIZER_FILES) {
      fetchFile(id, commit, file, false);
    }
    cache.writeRef(id, commit);
    return snapshot;
  }

  /** What the Hub says about one file before its bytes are fetched. */
  private record FileInfo(String commit, String etag, long size, URI location) {}

  /**
   * Fetches {@code file} at {@code revision} into the cache unless its blob is there already;
   * returns the commit, or empty when the file does not exist and is not {@code required}.
   */
  private Optional<String> fetchFile(HubModelId id, String revision, String file, boolean required)
      throws IOException, InterruptedException {
    URI resolve =
        endpoint.resolve(id.repo() + "/resolve/" + encode(revision) + "/" + encodePath(file));
    Optional<FileInfo> info = head(id, resolve, file, required);
    if (info.isEmpty()) {
      return Optional.empty();
    }
    FileInfo f = info.get();
    Path blob = cache.blob(id.repo(), f.etag());
    if (!(Files.isRegularFile(blob) && (f.size() < 0 || Files.size(blob) == f.size()))) {
      fetchBlob(id, file, f, blob);
    }
    cache.link(id.repo(), f.commit(), file, f.etag());
    return Optional.of(f.commit());
  }

  private Optional<FileInfo> head(HubModelId id, URI resolve, String file, boolean required)
      throws IOException, InterruptedException {
    return head(id, resolve, file, required, 0);
  }

  private Optional<FileInfo> head(
      HubModelId id, URI resolve, String file, boolean required, int redirects)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(resolve)
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .header("Accept-Encoding", "identity")
            .timeout(Duration.ofSeconds(60));
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    HttpResponse<Void> response =
        http.send(request.build(), HttpResponse.BodyHandlers.discarding());
    int status = response.statusCode();
    Optional<String> location = response.headers().firstValue("Location");
    if (status >= 300
        && status < 400
        && location.isPresent()
        && !location.get().matches("(?i)https?://.*")
        && response.headers().firstValue("X-Repo-Commit").isEmpty()
        && redirects < MAX_REDIRECTS) {
      // A renamed repository answers with a relative redirect to its new name: ask there.
      return head(id, resolve.resolve(location.get()), file, required, redirects + 1);
    }
    if (status == 404 && !required) {
      return Optional.empty();
    }
    if (status == 401 || status == 403) {
      throw new HubException(
          id
              + ": "
              + file
              + " is gated or private (HTTP "
              + status
              + ")"
              + (token.isPresent()
                  ? ": HF_TOKEN has no access to it"
                  : ": set HF_TOKEN to a token with access"));
    }
    if (status == 404) {
      throw new HubException(id + ": " + file + " not found at " + resolve + " (HTTP 404)");
    }
    if (status >= 400) {
      throw new HubException(id + ": " + file + ": HTTP " + status + " from " + resolve);
    }
    var headers = response.headers();
    String commit = headers.firstValue("X-Repo-Commit").orElse("");
    if (!commit.matches("[0-9a-f]{40}")) {
      throw new HubException(
          id
              + ": "
              + file
              + ": the Hub's answer has no commit hash (X-Repo-Commit '"
              + commit
              + "')");
    }
    String etag =
        headers
            .firstValue("X-Linked-Etag")
            .or(() -> headers.firstValue("ETag"))
            .orElse("")
            .replaceFirst("^W/", "")
            .replace("\"", "");
    if (!etag.matches("[0-9a-f]{40}|[0-9a-f]{64}")) {
      throw new HubException(
          id + ": " + file + ": the Hub's answer has no usable ETag ('" + etag + "')");
    }
    String sizeHeader =
        headers
            .firstValue("X-Linked-Size")
            .or(() -> status < 300 ? headers.firstValue("Content-Length") : Optional.empty())
            .orElse("-1");
    if (!sizeHeader.matches("-1|\\d{1,18}")) {
      throw new HubException(
          id + ": " + file + ": the Hub's answer has a bad size '" + sizeHeader + "'");
    }
    long size = Long.parseLong(sizeHeader);
    URI from =
        status >= 300 && status < 400
            ? resolve.resolve(
                location.orElseThrow(
                    () -> new HubException(id + ": " + file + ": redirect without a Location")))
            : resolve;
    return Optional.of(new FileInfo(commit, etag, size, from));
  }

  /** Downloads into {@code blob}.incomplete, resuming what is there, then checks and renames it. */
  private void fetchBlob(HubModelId id, String file, FileInfo f, Path blob)
      throws IOException, InterruptedException {
    Files.createDirectories(blob.getParent());
    Path partial = blob.resolveSibling(blob.getFileName() + ".incomplete");
    DownloadProgress progress = new DownloadProgress(log, file, f.size());
    boolean resumed = Files.exists(partial) && Files.size(partial) > 0;
    IOException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        transfer(f.location(), partial, progress, 0);
        last = null;
        break;
      } catch (IOException e) {
        // A dropped connection: the next attempt resumes from what reached the disk.
        last = e;
        resumed = true;
      }
    }
    if (last != null) {
      throw last;
    }
    long size = Files.size(partial);
    if (f.size() >= 0 && size != f.size()) {
      Files.delete(partial);
      throw new HubException(id + ": " + file + " is " + size + " bytes, the Hub says " + f.size());
    }
    String actual = f.etag().length() == 64 ? sha256(partial) : gitBlobSha1(partial);
    if (!actual.equals(f.etag())) {
      Files.delete(partial);
      throw new HubException(
          id
              + ": "
              + file
              + " failed its checksum: expected "
              + f.etag()
              + ", got "
              + actual
              + "; the partial download was deleted");
    }
    Files.move(partial, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    progress.finish(resumed ? "(resumed, checksum ok)" : "(checksum ok)");
  }

  /** GETs {@code uri} appending to {@code partial}, asking only for the bytes it lacks. */
  private void transfer(URI uri, Path partial, DownloadProgress progress, int redirects)
      throws IOException, InterruptedException {
    long have = Files.exists(partial) ? Files.size(partial) : 0;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .GET()
            .header("Accept-Encoding", "identity")
            .timeout(Duration.ofMinutes(30));
    if (have > 0) {
      request.header("Range", "bytes=" + have + "-");
    }
    // The token goes to the Hub's own host only, never to the CDN it redirects to.
    if (token.isPresent() && sameHost(uri, endpoint)) {
      request.header("Authorization", "Bearer " + token.get());
    }
    HttpResponse<InputStream> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    int status = response.statusCode();
    try (InputStream body = response.body()) {
      if (status >= 300 && status < 400) {
        if (redirects >= MAX_REDIRECTS) {
          throw new HubException(uri + ": more than " + MAX_REDIRECTS + " redirects");
        }
        URI next =
            uri.resolve(
                response
                    .headers()
                    .firstValue("Location")
                    .orElseThrow(() -> new HubException(uri + ": redirect without a Location")));
        transfer(next, partial, progress, redirects + 1);
        return;
      }
      if (status == 416 && have > 0) {
        return; // nothing left to fetch: the size and checksum checks decide
      }
      if (status != 200 && status != 206) {
        throw new HubException(uri + ": HTTP " + status);
      }
      boolean append = status == 206;
      if (append
          && !response
              .headers()
              .firstValue("Content-Range")
              .orElse("")
              .startsWith("bytes " + have + "-")) {
        throw new HubException(
            uri
                + ": range answer "
                + response.headers().firstValue("Content-Range")
                + " does not start at byte "
                + have);
      }
      long done = append ? have : 0;
      try (OutputStream out =
          Files.newOutputStream(
              partial,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = body.read(buf)) > 0) {
          out.write(buf, 0, n);
          done += n;
          progress.update(done);
        }
      }
    }
  }

  private static boolean sameHost(URI a, URI b) {
    return a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost())
        && a.getPort() == b.getPort();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String encodePath(String path) {
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/")) {
      parts.add(encode(p));
    }
    return String.join("/", parts);
  }

  static String sha256(Path file) throws IOException {
    return digest(file, "SHA-256", null);
  }

  /**
   * Git's blob id: sha1 of "blob {size}\0" followed by the content (the ETag of files not in LFS).
   */
  static String gitBlobSha1(Path file) throws IOException {
    return digest(
        file, "SHA-1", ("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
  }

  private static String digest(Path file, String algorithm, byte[] prefix) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is part of every Java platform", e);
    }
    if (prefix != null) {
      md.update(prefix);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest()).toLowerCase(Locale.ROOT);
  }
}
