package dev.edgesplit.edge.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer tokens of {@code auth.tokens_file}, read again when the file changes (its modification
 * time or size, looked at no more than once per {@code checkEvery}), so that an operator adds or
 * revokes a client's token without restarting the agent. A change that does not parse keeps the
 * tokens last read and logs why (the line, never a token); so does a file that disappears.
 * Thread-safe.
 */
public final class TokenFile {

  private static final Logger LOG = LoggerFactory.getLogger(TokenFile.class);
  static final Duration CHECK_EVERY = Duration.ofSeconds(1);

  private final Path file;
  private final Duration checkEvery;
  private final LongSupplier nanoTime;
  private volatile Loaded current;
  private long nextCheck;

  private record Loaded(BearerTokens tokens, FileTime modified, long size) {}

  private TokenFile(Path file, Duration checkEvery, LongSupplier nanoTime, Loaded first) {
    this.file = file;
    this.checkEvery = checkEvery;
    this.nanoTime = nanoTime;
    this.current = first;
    this.nextCheck = nanoTime.getAsLong() + checkEvery.toNanos();
  }

  /**
   * Reads {@code file} now; at start a bad file is an error, later it only keeps the previous
   * tokens.
   *
   * @throws IllegalArgumentException the file is missing, empty, or a line is malformed (see {@link
   *     BearerTokens})
   */
  public static TokenFile open(Path file) {
    return open(file, CHECK_EVERY, System::nanoTime);
  }

  static TokenFile open(Path file, Duration checkEvery, LongSupplier nanoTime) {
    FileTime modified = modified(file);
    long size = size(file);
    return new TokenFile(
        file, checkEvery, nanoTime, new Loaded(BearerTokens.load(file), modified, size));
  }

  /** The principal holding {@code presented} in the file as last read, or empty. */
  public Optional<String> principalOf(String presented) {
    refreshIfDue();
    return current.tokens().principalOf(presented);
  }

  /** Tokens in the file as last read. */
  public int size() {
    return current.tokens().size();
  }

  private synchronized void refreshIfDue() {
    long now = nanoTime.getAsLong();
    if (now - nextCheck < 0) {
      return;
    }
    nextCheck = now + checkEvery.toNanos();
    Loaded last = current;
    FileTime modified = modified(file);
    long size = size(file);
    if (modified == null) {
      LOG.warn(
          "auth.tokens_file {} cannot be read; keeping the {} tokens read before",
          file,
          last.tokens().size());
      return;
    }
    if (modified.equals(last.modified()) && size == last.size()) {
      return;
    }
    try {
      current = new Loaded(BearerTokens.load(file), modified, size);
      LOG.info("auth.tokens_file {} changed: {} tokens now", file, current.tokens().size());
    } catch (IllegalArgumentException e) {
      // Remember this version so the warning comes once per change, not once per second.
      current = new Loaded(last.tokens(), modified, size);
      LOG.warn("{}; keeping the {} tokens read before", e.getMessage(), last.tokens().size());
    }
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }
}
