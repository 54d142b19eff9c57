package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short external command and returns its standard output. */
final class ProcessText {

  private ProcessText() {}

  /**
   * Runs {@code command} and waits up to {@code timeout}.
   *
   * @throws IOException when it cannot start, times out, or exits with a non-zero status (stderr
   *     included)
   */
  static String run(List<String> command, Duration timeout) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
    try {
      process.getOutputStream().close();
      // Outputs here are a few lines; reading after exit cannot dead-lock on a full pipe of that
      // size.
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException(
            "'" + String.join(" ", command) + "' did not finish within " + timeout);
      }
      String out = readAll(process.getInputStream());
      if (process.exitValue() != 0) {
        String err = readAll(process.getErrorStream()).trim();
        throw new IOException(
            "'"
                + String.join(" ", command)
                + "' exited with "
                + process.exitValue()
                + (err.isEmpty() ? "" : ": " + SysfsFiles.abbreviate(err)));
      }
      return out;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running '" + String.join(" ", command) + "'", e);
    } finally {
      process.getInputStream().close();
      process.getErrorStream().close();
    }
  }

  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
