package dev.edgesplit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Resident memory of a process from {@code /proc/PID/status} (Linux): {@code VmHWM} is the peak,
 * {@code VmRSS} the current size. Writing {@code 5} to {@code /proc/self/clear_refs} resets the
 * peak (Linux >= 4.0), so benchmark phases in one process each get their own peak.
 */
public final class ProcessMemory {

  private final Path proc;

  /** Reads {@code procRoot/PID/status}; {@code procRoot} is {@code /proc} outside tests. */
  public ProcessMemory(Path procRoot) {
    this.proc = procRoot;
  }

  public static ProcessMemory system() {
    return new ProcessMemory(Path.of("/proc"));
  }

  /** Peak resident bytes of {@code pid}, empty where the file or field is unavailable. */
  public OptionalLong peakBytes(long pid) {
    return field(pid, "VmHWM:");
  }

  public OptionalLong residentBytes(long pid) {
    return field(pid, "VmRSS:");
  }

  /** Resets this process's peak to its current size; false where the kernel does not allow it. */
  public boolean resetPeak() {
    try {
      Files.writeString(proc.resolve("self/clear_refs"), "5");
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private OptionalLong field(long pid, String name) {
    Path status = proc.resolve(Long.toString(pid)).resolve("status");
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(name)) {
          String[] parts = line.substring(name.length()).trim().split("\\s+");
          long value = Long.parseLong(parts[0]);
          if (parts.length < 2 || !parts[1].equals("kB")) {
            throw new IllegalStateException(status + ": unexpected unit in '" + line + "'");
          }
          return OptionalLong.of(value * 1024);
        }
      }
      return OptionalLong.empty();
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }
}
