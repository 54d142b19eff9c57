package dev.edgesplit.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Flat configuration values with dotted keys ({@code listen.port}), layered lowest to highest:
 * built-in defaults, a YAML or .properties file, {@code EDGESPLIT_*} environment variables (key
 * upper-cased, dots to underscores: {@code EDGESPLIT_LISTEN_PORT}), then explicit values from the
 * command line. Unknown keys in the file or the overrides are errors, so a typo cannot silently
 * fall back to a default.
 *
 * <p>Two friendly forms are accepted in the file and the overrides: {@code KEY: HOST:PORT} where
 * {@code KEY.host} and {@code KEY.port} are known ({@code listen: 127.0.0.1:50051}), and a duration
 * key without its {@code _ms} suffix ({@code drain_timeout: 20s} for {@code drain_timeout_ms}).
 * Every duration value, under either name and from any layer, is milliseconds or a number with a
 * unit: {@code 500ms}, {@code 20s}, {@code 5m}, {@code 1h}.
 */
public final class LayeredConfig {

  private static final String MILLIS_SUFFIX = "_ms";

  private final Map<String, String> values;
  private final String origin;

  private LayeredConfig(Map<String, String> values, String origin) {
    this.values = values;
    this.origin = origin;
  }

  /**
   * @param defaults every known key with its default value ("" for "no default")
   * @param file YAML (.yaml/.yml) or .properties file; null for none
   * @param env the environment (System.getenv() in main)
   * @param overrides explicit values, e.g. from CLI flags
   */
  public static LayeredConfig load(
      Map<String, String> defaults,
      Path file,
      Map<String, String> env,
      Map<String, String> overrides) {
    Map<String, String> merged = new LinkedHashMap<>(defaults);
    String origin = "defaults";
    if (file != null) {
      Map<String, String> fromFile = readFile(file);
      putKnown(merged, fromFile, "config file " + file);
      origin = file.toString();
    }
    for (String key : defaults.keySet()) {
      String value = env.get(envName(key));
      if (value != null) {
        merged.put(key, value);
      }
    }
    putKnown(merged, overrides, "command line");
    return new LayeredConfig(merged, origin);
  }

  /** The environment variable that overrides {@code key}. */
  public static String envName(String key) {
    return "EDGESPLIT_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  public String string(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalStateException("no configuration key '" + key + "'");
    }
    return v.trim();
  }

  public int integer(String key) {
    try {
      return Integer.parseInt(string(key));
    } catch (NumberFormatException e) {
      throw bad(key, "an integer");
    }
  }

  public long longValue(String key) {
    try {
      return Long.parseLong(string(key));
    } catch (NumberFormatException e) {
      throw bad(key, "an integer");
    }
  }

  public double decimal(String key) {
    try {
      return Double.parseDouble(string(key));
    } catch (NumberFormatException e) {
      throw bad(key, "a number");
    }
  }

  public boolean bool(String key) {
    String v = string(key).toLowerCase(Locale.ROOT);
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    throw bad(key, "true or false");
  }

  /**
   * A duration: plain milliseconds ({@code 5000}) or a number with a unit ({@code 500ms, 20s, 5m,
   * 1h}).
   */
  public Duration millis(String key) {
    try {
      return Units.duration(string(key), ChronoUnit.MILLIS);
    } catch (IllegalArgumentException e) {
      throw bad(key, "a duration in milliseconds or with a unit (500ms, 20s, 5m, 1h)");
    }
  }

  /** Null when the value is empty. */
  public Path path(String key) {
    String v = string(key);
    return v.isEmpty() ? null : Path.of(v);
  }

  private IllegalArgumentException bad(String key, String expected) {
    return new IllegalArgumentException(
        "configuration key '"
            + key
            + "' (from "
            + origin
            + ", env "
            + envName(key)
            + ") must be "
            + expected
            + ", got '"
            + values.get(key)
            + "'");
  }

  private static void putKnown(
      Map<String, String> merged, Map<String, String> layer, String where) {
    Map<String, String> given = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : layer.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (merged.containsKey(key)) {
        putOnce(given, key, value, key, where);
      } else if (merged.containsKey(key + ".host") && merged.containsKey(key + ".port")) {
        int colon = value.trim().lastIndexOf(':');
        if (colon <= 0 || colon == value.trim().length() - 1) {
          throw new IllegalArgumentException(
              "configuration key '"
                  + key
                  + "' in "
                  + where
                  + " must be HOST:PORT, got '"
                  + value
                  + "'");
        }
        String host = value.trim().substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
          host = host.substring(1, host.length() - 1);
        }
        putOnce(given, key + ".host", host, key, where);
        putOnce(given, key + ".port", value.trim().substring(colon + 1), key, where);
      } else if (merged.containsKey(key + MILLIS_SUFFIX)) {
        putOnce(given, key + MILLIS_SUFFIX, value, key, where);
      } else {
        throw new IllegalArgumentException(
            "unknown configuration key '"
                + key
                + "' in "
                + where
                + "; known keys: "
                + merged.keySet());
      }
    }
    merged.putAll(given);
  }

  /**
   * Rejects one key given twice under two spellings ({@code drain_timeout} and {@code
   * drain_timeout_ms}).
   */
  private static void putOnce(
      Map<String, String> given, String key, String value, String spelledAs, String where) {
    if (given.putIfAbsent(key, value) != null) {
      throw new IllegalArgumentException(
          "configuration key '"
              + key
              + "' is given twice in "
              + where
              + " (once as '"
              + spelledAs
              + "')");
    }
  }

  private static Map<String, String> readFile(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    try (InputStream in = Files.newInputStream(file)) {
      Map<String, String> out = new LinkedHashMap<>();
      if (name.endsWith(".properties")) {
        Properties p = new Properties();
        p.load(in);
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
      } else if (name.endsWith(".yaml") || name.endsWith(".yml")) {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(in);
        if (root != null && !root.isMissingNode() && !root.isNull()) {
          if (!root.isObject()) {
            throw new IllegalArgumentException(
                "config file " + file + " must hold a mapping at the top level");
          }
          flatten("", root, out, file);
        }
      } else {
        throw new IllegalArgumentException(
            "config file " + file + " must end in .yaml, .yml or .properties");
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JsonNode v = e.getValue();
      if (v.isObject()) {
        flatten(key, v, out, file);
      } else if (v.isValueNode()) {
        out.put(key, v.isNull() ? "" : v.asText());
      } else {
        throw new IllegalArgumentException(
            "config file " + file + ": key '" + key + "' must be a scalar");
      }
    }
  }
}
