package dev.edgesplit.partitioner.model.gguf;

import dev.edgesplit.partitioner.model.ModelFormatException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The metadata key/values of a GGUF file with typed accessors. Integers of every width are held as
 * {@code Long}, floats as {@code Double}, arrays as lists. A missing or mistyped key is a {@link
 * ModelFormatException} naming the file and the key. Immutable.
 */
public final class GgufMetadata {

  private final Path path;
  private final Map<String, Object> values;

  GgufMetadata(Path path, Map<String, Object> values) {
    this.path = path;
    this.values = Map.copyOf(values);
  }

  /** The file this metadata came from. */
  public Path path() {
    return path;
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  /** An integer key of any width. */
  public long integer(String key) {
    Object v = require(key);
    if (!(v instanceof Long)) {
      throw wrongType(key, "an integer", v);
    }
    return (Long) v;
  }

  /** An integer key that must lie in {@code [1, max]}. */
  public int positiveInt(String key, int max) {
    long v = integer(key);
    if (v < 1 || v > max) {
      throw new ModelFormatException(
          path + ": metadata '" + key + "' = " + v + " is outside 1.." + max);
    }
    return (int) v;
  }

  public Optional<Long> optionalInteger(String key) {
    return has(key) ? Optional.of(integer(key)) : Optional.empty();
  }

  /** A float key (32 or 64 bits; an integer is accepted too). */
  public double number(String key) {
    Object v = require(key);
    if (v instanceof Double) {
      return (Double) v;
    }
    if (v instanceof Long) {
      return (Long) v;
    }
    throw wrongType(key, "a number", v);
  }

  public Optional<Double> optionalNumber(String key) {
    return has(key) ? Optional.of(number(key)) : Optional.empty();
  }

  public String string(String key) {
    Object v = require(key);
    if (!(v instanceof String)) {
      throw wrongType(key, "a string", v);
    }
    return (String) v;
  }

  public Optional<String> optionalString(String key) {
    return has(key) ? Optional.of(string(key)) : Optional.empty();
  }

  public Optional<Boolean> optionalBool(String key) {
    if (!has(key)) {
      return Optional.empty();
    }
    Object v = values.get(key);
    if (!(v instanceof Boolean)) {
      throw wrongType(key, "a bool", v);
    }
    return Optional.of((Boolean) v);
  }

  /** An array whose elements all have {@code type}. */
  public <T> List<T> array(String key, Class<T> type) {
    Object v = require(key);
    if (!(v instanceof List)) {
      throw wrongType(key, "an array", v);
    }
    List<?> list = (List<?>) v;
    for (int i = 0; i < list.size(); i++) {
      if (!type.isInstance(list.get(i))) {
        throw new ModelFormatException(
            path
                + ": metadata '"
                + key
                + "'["
                + i
                + "] is not "
                + type.getSimpleName().toLowerCase(java.util.Locale.ROOT)
                + " like the others");
      }
    }
    @SuppressWarnings("unchecked")
    List<T> typed = (List<T>) list;
    return typed;
  }

  /** Every key, for diagnostics. */
  public java.util.Set<String> keys() {
    return values.keySet();
  }

  private Object require(String key) {
    Object v = values.get(key);
    if (v == null) {
      throw new ModelFormatException(path + ": missing metadata '" + key + "'");
    }
    return v;
  }

  private ModelFormatException wrongType(String key, String expected, Object v) {
    String got = v instanceof List ? "an array" : v.getClass().getSimpleName();
    return new ModelFormatException(
        path + ": metadata '" + key + "' must be " + expected + ", got " + got);
  }
}
