package dev.edgesplit.planner;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes {@code plan.json} (a {@link CutPlan}) and cached {@link LayerProfile}s as
 * indented JSON.
 */
public final class PlanJson {

  private final ObjectMapper mapper =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * Writes {@code plan} to {@code file} atomically (temp file + move), creating parent directories.
   */
  public void writePlan(CutPlan plan, Path file) throws IOException {
    write(plan, file);
  }

  /** Reads a plan written by {@link #writePlan}; an IOException names the file and the problem. */
  public CutPlan readPlan(Path file) throws IOException {
    return read(file, CutPlan.class, "plan");
  }

  public void writeProfile(LayerProfile profile, Path file) throws IOException {
    write(profile, file);
  }

  public LayerProfile readProfile(Path file) throws IOException {
    return read(file, LayerProfile.class, "layer profile");
  }

  private void write(Object value, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      mapper.writeValue(tmp.toFile(), value);
      Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private <T> T read(Path file, Class<T> type, String what) throws IOException {
    try {
      return mapper.readValue(file.toFile(), type);
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
    }
  }
}
