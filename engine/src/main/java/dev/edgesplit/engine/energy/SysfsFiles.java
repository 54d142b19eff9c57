package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Small readers for sysfs attribute files: one value per file, trailing newline. */
final class SysfsFiles {

  private SysfsFiles() {}

  /** The trimmed text of an attribute file; an IOException names the file. */
  static String readText(Path file) throws IOException {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IOException("cannot read " + file + ": " + e, e);
    }
  }

  /** An integer attribute; garbage in the file is an IOException naming the file and the text. */
  static long readLong(Path file) throws IOException {
    String text = readText(file);
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IOException("not an integer in " + file + ": '" + abbreviate(text) + "'", e);
    }
  }

  /** An optional text attribute: empty when missing or unreadable. */
  static Optional<String> readOptionalText(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(readText(file));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Entries of {@code dir} whose names match {@code nameRegex}, sorted by natural number order. */
  static List<Path> list(Path dir, Pattern nameRegex) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    try (Stream<Path> entries = Files.list(dir)) {
      entries
          .filter(p -> nameRegex.matcher(p.getFileName().toString()).matches())
          .forEach(out::add);
    }
    out.sort(SysfsFiles::naturalOrder);
    return out;
  }

  /** Orders "hwmon2" before "hwmon10". */
  static int naturalOrder(Path a, Path b) {
    String x = a.getFileName().toString();
    String y = b.getFileName().toString();
    String px = x.replaceAll("\\d+$", "");
    String py = y.replaceAll("\\d+$", "");
    int byPrefix = px.compareTo(py);
    if (byPrefix != 0 || x.length() == px.length() || y.length() == py.length()) {
      return byPrefix != 0 ? byPrefix : x.compareTo(y);
    }
    return Long.compare(
        Long.parseLong(x.substring(px.length())), Long.parseLong(y.substring(py.length())));
  }

  static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
