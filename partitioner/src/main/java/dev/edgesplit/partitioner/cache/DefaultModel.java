package dev.edgesplit.partitioner.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The model used when none is named: stories260K (llama2.c's TinyStories model, MIT, 1 MB). It
 * ships in the distribution ({@code models/stories260K} beside {@code bin/}); an installation
 * without it fetches it once into the workspace with a progress bar, checked against its published
 * sha256.
 */
public final class DefaultModel {

  /** Upstream location of the files (a mirror can be given with EDGESPLIT_DOWNLOAD_BASE). */
  static final String BASE = "https://huggingface.co/karpathy/tinyllamas/resolve/main/stories260K/";

  /**
   * File name and sha256 (from shared/models/stories260K/PROVENANCE.md: the upstream files'
   * digests).
   */
  static final List<String[]> FILES =
      List.of(
          new String[] {
            "stories260K.bin", "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696"
          },
          new String[] {
            "tok512.bin", "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312"
          });

  private final Path dir;
  private final String base;
  private final PrintWriter log;

  public DefaultModel(Path dir, String base, PrintWriter log) {
    this.dir = dir;
    this.base = base.endsWith("/") ? base : base + "/";
    this.log = log;
  }

  /**
   * The copy shipped with this installation ({@code $edgesplit.home/models/stories260K}, the
   * launcher sets {@code edgesplit.home}), or empty when the installation has none.
   */
  public static Optional<Path> bundled() {
    String home = System.getProperty("edgesplit.home");
    if (home == null || home.isBlank()) {
      return Optional.empty();
    }
    Path dir = Path.of(home, "models", "stories260K");
    return FILES.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f[0])))
        ? Optional.of(dir)
        : Optional.empty();
  }

  public static DefaultModel inWorkspace(PrintWriter log) {
    String base = System.getenv("EDGESPLIT_DOWNLOAD_BASE");
    return new DefaultModel(
        Workspace.home().resolve("models/stories260K"),
        base == null || base.isBlank() ? BASE : base,
        log);
  }

  public Path directory() {
    return dir;
  }

  public boolean cached() {
    return FILES.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f[0])));
  }

  /** Downloads the missing files; a file whose digest differs is deleted and reported. */
  public Path fetch() throws IOException, InterruptedException {
    Files.createDirectories(dir);
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    for (String[] f : FILES) {
      Path target = dir.resolve(f[0]);
      if (!Files.isRegularFile(target)) {
        download(http, URI.create(base + f[0]), target, f[1]);
      }
    }
    return dir;
  }

  private void download(HttpClient http, URI uri, Path target, String sha256)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> response =
        http.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      response.body().close();
      throw new IOException("GET " + uri + ": HTTP " + response.statusCode());
    }
    long total = response.headers().firstValueAsLong("content-length").orElse(-1);
    Path part = target.resolveSibling(target.getFileName() + ".part");
    MessageDigest digest = sha256();
    try (InputStream in = response.body();
        OutputStream out = new DigestOutputStream(Files.newOutputStream(part), digest)) {
      byte[] buf = new byte[1 << 16];
      long done = 0;
      int lastShown = -1;
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        done += n;
        int shown = total > 0 ? (int) (done * 40 / total) : (int) (done >> 20);
        if (shown != lastShown) {
          lastShown = shown;
          log.print(
              total > 0
                  ? String.format(
                      "\r%-16s [%-40s] %3d%%",
                      target.getFileName(), "#".repeat(shown), done * 100 / total)
                  : String.format("\r%-16s %d MiB", target.getFileName(), done >> 20));
          log.flush();
        }
      }
    } catch (IOException e) {
      Files.deleteIfExists(part);
      throw e;
    }
    log.println();
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!actual.equals(sha256)) {
      Files.deleteIfExists(part);
      throw new IOException(uri + " has sha256 " + actual + ", expected " + sha256 + ": not kept");
    }
    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
