package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** Writes sysfs-shaped fixture files and drives a manual clock. */
final class SysfsFixture {

  final Path root;
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  final MeterClock clock =
      new MeterClock(
          Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC), nanos::get);

  SysfsFixture(Path root) {
    this.root = root;
  }

  /** Writes {@code value + "\n"} to {@code root/relative}, creating directories. */
  SysfsFixture file(String relative, Object value) {
    try {
      Path p = root.resolve(relative);
      Files.createDirectories(p.getParent());
      Files.writeString(p, value + "\n", StandardCharsets.UTF_8);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Makes {@code root/relative} a directory, so reading it as a file fails like an unreadable
   * attribute.
   */
  SysfsFixture unreadable(String relative) {
    try {
      Path p = root.resolve(relative);
      Files.deleteIfExists(p);
      Files.createDirectories(p);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void advanceSeconds(double seconds) {
    nanos.addAndGet(Math.round(seconds * 1e9));
  }
}
