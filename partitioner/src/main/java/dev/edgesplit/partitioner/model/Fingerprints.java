package dev.edgesplit.partitioner.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** SHA-256 fingerprints identifying a model's weights. */
public final class Fingerprints {

  private Fingerprints() {}

  /** Hex sha256 of the concatenated bytes of {@code files}, in the given order, streamed. */
  public static String sha256OfFiles(List<Path> files) {
    MessageDigest md = sha256();
    byte[] buf = new byte[1 << 20];
    for (Path f : files) {
      try (InputStream in = Files.newInputStream(f)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(f + ": cannot read for fingerprint", e);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Hex sha256 of the UTF-8 bytes of {@code text}. */
  public static String sha256OfText(String text) {
    return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }

  /**
   * A cheap identity of a model source, for caches: its absolute path and the names, sizes and
   * modification times of its files (no hashing, so a multi-gigabyte checkpoint costs nothing).
   */
  public static String fileIdentity(Path source) throws IOException {
    Path path = source.toAbsolutePath().normalize();
    if (!Files.exists(path)) {
      throw new IllegalArgumentException("model " + path + " does not exist");
    }
    StringBuilder id = new StringBuilder(path.toString());
    try (Stream<Path> files = Files.isDirectory(path) ? Files.list(path) : Stream.of(path)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        id.append('|')
            .append(f.getFileName())
            .append(':')
            .append(Files.size(f))
            .append(':')
            .append(Files.getLastModifiedTime(f).toMillis());
      }
    }
    return id.toString();
  }
}
