package dev.edgesplit.planner;

import dev.edgesplit.engine.segment.WeightFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A cache directory of layer profiles, one JSON file per device + model fingerprint + weight
 * format, so a board is profiled once per model and quantization. File names are readable and carry
 * a hash of the exact key so that keys differing only in characters unsafe for file names do not
 * collide.
 */
public final class LayerProfileStore {

  private final Path dir;
  private final PlanJson json = new PlanJson();

  public LayerProfileStore(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  /** Saves (replacing) the profile under its key and returns the file. */
  public Path save(LayerProfile profile) throws IOException {
    Path file = fileFor(profile.device(), profile.modelFingerprint(), profile.weights());
    json.writeProfile(profile, file);
    return file;
  }

  /**
   * The cached profile for the key, empty when none was saved.
   *
   * @throws IOException when the file exists but is corrupt or belongs to another key
   */
  public Optional<LayerProfile> load(String device, String modelFingerprint, WeightFormat weights)
      throws IOException {
    Path file = fileFor(device, modelFingerprint, weights);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    LayerProfile p = json.readProfile(file);
    if (!p.device().equals(device)
        || !p.modelFingerprint().equals(modelFingerprint)
        || p.weights() != weights) {
      throw new IOException(
          "layer profile "
              + file
              + " is for "
              + p.device()
              + "/"
              + p.modelFingerprint()
              + "/"
              + p.weights()
              + ", not "
              + device
              + "/"
              + modelFingerprint
              + "/"
              + weights);
    }
    return Optional.of(p);
  }

  /** Where the profile of this key lives. */
  public Path fileFor(String device, String modelFingerprint, WeightFormat weights) {
    String key = device + "\n" + modelFingerprint + "\n" + weights.name();
    String readable =
        safe(device)
            + "__"
            + safe(modelFingerprint)
            + "__"
            + weights.name().toLowerCase(Locale.ROOT);
    return dir.resolve(readable + "-" + shortHash(key) + ".json");
  }

  private static String safe(String s) {
    String cleaned = s.replaceAll("[^A-Za-z0-9._-]", "_");
    return cleaned.length() > 60 ? cleaned.substring(0, 60) : cleaned;
  }

  private static String shortHash(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
