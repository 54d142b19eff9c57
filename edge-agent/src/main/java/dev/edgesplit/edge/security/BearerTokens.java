package dev.edgesplit.edge.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The bearer tokens clients may present, as read from a file at one moment ({@link TokenFile} reads
 * it again when it changes). Each non-blank line not starting with {@code #} is {@code NAME TOKEN}
 * (the name becomes the client's principal) or just {@code TOKEN} (principal {@code token-<line>}).
 * Tokens are kept only as SHA-256 digests and compared in constant time against every entry, so
 * neither the match position nor the token length leaks through timing. Messages name the file and
 * line, never a token. Immutable and thread-safe.
 */
public final class BearerTokens {

  /** Shorter tokens are guessable: refuse them at start. */
  static final int MIN_TOKEN_LENGTH = 16;

  private final List<String> names;
  private final List<byte[]> digests;

  private BearerTokens(List<String> names, List<byte[]> digests) {
    this.names = List.copyOf(names);
    this.digests = List.copyOf(digests);
  }

  /**
   * @throws IllegalArgumentException the file is missing, empty, or a line is malformed (line
   *     number given)
   */
  public static BearerTokens load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "auth.tokens_file " + file + ": cannot read (" + e.getClass().getSimpleName() + ")");
    }
    List<String> names = new ArrayList<>();
    List<byte[]> digests = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length > 2) {
        throw new IllegalArgumentException(
            "auth.tokens_file " + file + " line " + (i + 1) + ": expected 'NAME TOKEN' or 'TOKEN'");
      }
      String name = parts.length == 2 ? parts[0] : "token-" + (i + 1);
      String token = parts[parts.length - 1];
      if (token.length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException(
            "auth.tokens_file "
                + file
                + " line "
                + (i + 1)
                + ": tokens need at least "
                + MIN_TOKEN_LENGTH
                + " characters");
      }
      if (!seen.add(name)) {
        throw new IllegalArgumentException(
            "auth.tokens_file "
                + file
                + " line "
                + (i + 1)
                + ": name '"
                + name
                + "' appears twice");
      }
      names.add(name);
      digests.add(sha256(token));
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("auth.tokens_file " + file + ": no tokens");
    }
    return new BearerTokens(names, digests);
  }

  /**
   * The principal holding {@code presented}, or empty. Constant time in the presented token's
   * content.
   */
  public Optional<String> principalOf(String presented) {
    byte[] digest = sha256(presented);
    int match = -1;
    for (int i = 0; i < digests.size(); i++) {
      // No early exit: every entry is compared whatever matched before.
      if (MessageDigest.isEqual(digest, digests.get(i))) {
        match = i;
      }
    }
    return match < 0 ? Optional.empty() : Optional.of(names.get(match));
  }

  public int size() {
    return names.size();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "BearerTokens" + names;
  }
}
