package dev.edgesplit.partitioner.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback stand-in for the Hugging Face Hub with its URL layout and headers: {@code
 * /{repo}/resolve/{rev}/{file}} answers large files with a 302 to a "CDN" path plus {@code
 * X-Repo-Commit}, {@code X-Linked-Etag} (sha256) and {@code X-Linked-Size}, small files with 200
 * and their git blob sha1 as {@code ETag}; the CDN path honours {@code Range}. Faults on demand:
 * cut a body after N bytes once, or serve corrupted bytes.
 */
final class FakeHub implements AutoCloseable {

  /** One request as the server saw it. */
  record Seen(String method, String path, String range, String authorization) {}

  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");

  private final HttpServer server;
  private final HttpServer cdn; // another origin, as the Hub's CDN is
  private final String repo;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, String> etags = new ConcurrentHashMap<>();
  private final Map<String, Integer> cutOnce = new ConcurrentHashMap<>();
  private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
  volatile boolean gated;
  final List<Seen> seen = new CopyOnWriteArrayList<>();

  FakeHub(String repo) throws IOException {
    this.repo = repo;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
    cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    cdn.createContext("/", this::handle);
    cdn.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Serves {@code name}; files ending in .safetensors or .gguf go through the CDN (LFS). */
  FakeHub file(String name, byte[] bytes) throws IOException {
    files.put(name, bytes);
    Path tmp = Files.createTempFile("fakehub", ".bin");
    Files.write(tmp, bytes);
    etags.put(name, lfs(name) ? HubClient.sha256(tmp) : HubClient.gitBlobSha1(tmp));
    Files.delete(tmp);
    return this;
  }

  String etag(String name) {
    return etags.get(name);
  }

  /**
   * The next CDN download of {@code name} stops after {@code bytes} bytes (the connection drops).
   */
  void cutOnce(String name, int bytes) {
    cutOnce.put(name, bytes);
  }

  /** Downloads of {@code name} deliver other bytes than its ETag promises. */
  void corrupt(String name) {
    corrupt.add(name);
  }

  private static boolean lfs(String name) {
    return name.endsWith(".safetensors") || name.endsWith(".gguf");
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    seen.add(
        new Seen(
            ex.getRequestMethod(),
            path,
            ex.getRequestHeaders().getFirst("Range"),
            ex.getRequestHeaders().getFirst("Authorization")));
    try (ex) {
      Matcher m = RESOLVE.matcher(path);
      if (m.matches()) {
        resolve(ex, m.group(1), m.group(2), m.group(3));
      } else if (path.startsWith("/cdn/")) {
        cdn(ex, path.substring("/cdn/".length()));
      } else {
        ex.sendResponseHeaders(404, -1);
      }
    }
  }

  private void resolve(HttpExchange ex, String r, String revision, String name) throws IOException {
    byte[] bytes = files.get(name);
    if (gated && ex.getRequestHeaders().getFirst("Authorization") == null) {
      ex.getResponseHeaders().add("X-Error-Code", "GatedRepo");
      ex.sendResponseHeaders(401, -1);
      return;
    }
    if (!r.equals(repo) || bytes == null || !(revision.equals("main") || revision.equals(COMMIT))) {
      ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
      ex.sendResponseHeaders(404, -1);
      return;
    }
    ex.getResponseHeaders().add("X-Repo-Commit", COMMIT);
    if (lfs(name)) {
      ex.getResponseHeaders().add("X-Linked-Etag", "\"" + etags.get(name) + "\"");
      ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(bytes.length));
      ex.getResponseHeaders().add("ETag", "\"not-the-content-hash\"");
      ex.getResponseHeaders()
          .add("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/cdn/" + name);
      ex.sendResponseHeaders(302, -1);
      return;
    }
    ex.getResponseHeaders().add("ETag", "\"" + etags.get(name) + "\"");
    send(ex, name, bytes, 0);
  }

  private void cdn(HttpExchange ex, String name) throws IOException {
    byte[] bytes = files.get(name);
    if (bytes == null) {
      ex.sendResponseHeaders(404, -1);
      return;
    }
    String range = ex.getRequestHeaders().getFirst("Range");
    int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
    send(ex, name, bytes, from);
  }

  private void send(HttpExchange ex, String name, byte[] bytes, int from) throws IOException {
    byte[] body = bytes.clone();
    if (corrupt.contains(name)) {
      body[body.length / 2] ^= 1;
    }
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(200, -1);
      return;
    }
    if (from > 0) {
      ex.getResponseHeaders()
          .add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
    }
    int length = body.length - from;
    ex.sendResponseHeaders(from > 0 ? 206 : 200, length);
    Integer cut = cutOnce.remove(name);
    OutputStream out = ex.getResponseBody();
    if (cut != null) {
      out.write(body, from, cut);
      out.flush();
      // Drop the connection mid-body: the client sees fewer bytes than Content-Length promised.
      throw new IOException("cut");
    }
    out.write(body, from, length);
  }

  @Override
  public void close() {
    server.stop(0);
    cdn.stop(0);
  }
}
