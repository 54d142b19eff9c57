package dev.edgesplit.partitioner.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One open .safetensors file: an 8-byte little-endian header length n, n bytes of JSON ({@code
 * name: {dtype, shape, data_offsets: [begin, end]}} plus optional {@code __metadata__}), then the
 * data, offsets relative to byte 8+n. The whole header is validated on open: every entry's offsets
 * must lie inside the file and match its shape and (if known) its dtype's size. Not thread-safe;
 * close it.
 */
final class SafetensorsFile implements AutoCloseable {

  /** Larger headers are refused: real ones are tens of kilobytes. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private final BinaryFile file;
  private final long dataStart;
  private final Map<String, Entry> entries;

  private SafetensorsFile(BinaryFile file, long dataStart, Map<String, Entry> entries) {
    this.file = file;
    this.dataStart = dataStart;
    this.entries = entries;
  }

  /**
   * A tensor's header entry; {@code dtype} is the raw string, checked only when the tensor is read.
   */
  record Entry(String name, String dtype, long[] shape, long begin, long end) {}

  static SafetensorsFile open(Path path, ObjectMapper json) {
    BinaryFile file = BinaryFile.open(path);
    try {
      return parse(file, json);
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
  }

  private static SafetensorsFile parse(BinaryFile file, ObjectMapper json) {
    file.require(0, 8, "the 8-byte header length");
    long n =
        ByteBuffer.wrap(file.readBytesAt(0, 8, "header length"))
            .order(ByteOrder.LITTLE_ENDIAN)
            .getLong();
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw bad(
          file,
          "header length "
              + Long.toUnsignedString(n)
              + " is too large (limit "
              + MAX_HEADER_BYTES
              + " bytes); not a safetensors file?");
    }
    if (n < 2) {
      throw bad(file, "header length " + n + " is too small for a JSON object");
    }
    byte[] headerBytes = file.readBytesAt(8, (int) n, "JSON header");
    JsonNode root;
    try {
      root = json.readTree(headerBytes);
    } catch (IOException e) {
      throw new ModelFormatException(
          file.path() + ": header is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw bad(file, "header is not a JSON object");
    }
    long start = 8 + n;
    long dataBytes = file.size() - start;
    Map<String, Entry> parsed = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      if (f.getKey().equals("__metadata__")) {
        continue;
      }
      Entry e = entry(file, f.getKey(), f.getValue());
      if (e.begin < 0 || e.end < e.begin || e.end > dataBytes) {
        throw bad(
            file,
            "data_offsets ["
                + e.begin
                + ", "
                + e.end
                + "] of tensor '"
                + e.name
                + "' lie outside the data section ("
                + dataBytes
                + " bytes)");
      }
      SafetensorsDType.parse(e.dtype)
          .ifPresent(
              t -> {
                long expected = elementCount(file, e) * t.bytes();
                if (expected != e.end - e.begin) {
                  throw bad(
                      file,
                      "tensor '"
                          + e.name
                          + "' has shape "
                          + Arrays.toString(e.shape)
                          + " of "
                          + e.dtype
                          + " ("
                          + expected
                          + " bytes) but data_offsets span "
                          + (e.end - e.begin)
                          + " bytes");
                }
              });
      parsed.put(e.name, e);
    }
    return new SafetensorsFile(file, start, Collections.unmodifiableMap(parsed));
  }

  private static Entry entry(BinaryFile file, String name, JsonNode node) {
    JsonNode dtype = node.get("dtype");
    JsonNode shape = node.get("shape");
    JsonNode offsets = node.get("data_offsets");
    if (!node.isObject()
        || dtype == null
        || !dtype.isTextual()
        || shape == null
        || !shape.isArray()
        || offsets == null
        || !offsets.isArray()
        || offsets.size() != 2
        || !offsets.get(0).canConvertToLong()
        || !offsets.get(1).canConvertToLong()) {
      throw bad(
          file,
          "header entry of tensor '" + name + "' needs dtype, shape and data_offsets [begin, end]");
    }
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shape.get(i);
      if (!d.canConvertToInt() || d.asLong() < 0) {
        throw bad(file, "tensor '" + name + "' has a bad shape " + shape);
      }
      dims[i] = d.asLong();
    }
    return new Entry(name, dtype.asText(), dims, offsets.get(0).asLong(), offsets.get(1).asLong());
  }

  Path path() {
    return file.path();
  }

  Set<String> names() {
    return entries.keySet();
  }

  boolean contains(String name) {
    return entries.containsKey(name);
  }

  /**
   * Reads tensor {@code name} as fp32 under the given canonical name, checking its shape.
   *
   * @throws ModelFormatException when absent, of another shape or of an unsupported dtype
   */
  FloatTensor read(String name, String canonicalName, int[] expectedShape) {
    Entry e = entries.get(name);
    if (e == null) {
      throw bad("missing tensor '" + name + "'");
    }
    SafetensorsDType dtype =
        SafetensorsDType.parse(e.dtype)
            .orElseThrow(
                () ->
                    bad(
                        "tensor '"
                            + name
                            + "' has unsupported dtype "
                            + e.dtype
                            + " (supported: F32, F16, BF16)"));
    long[] expected = Arrays.stream(expectedShape).asLongStream().toArray();
    if (!Arrays.equals(e.shape, expected)) {
      throw bad(
          "tensor '"
              + name
              + "' has shape "
              + Arrays.toString(e.shape)
              + ", expected "
              + Arrays.toString(expectedShape));
    }
    long count = elementCount(file, e);
    if (count > Integer.MAX_VALUE - 8) {
      throw bad("tensor '" + name + "' has " + count + " values, more than a Java array holds");
    }
    int n = (int) count;
    long offset = dataStart + e.begin;
    String what = "tensor '" + name + "'";
    float[] values;
    switch (dtype) {
      case F32:
        values = file.readFloatsAt(offset, n, what);
        break;
      case F16:
        {
          short[] raw = file.readShortsAt(offset, n, what);
          values = new float[n];
          for (int i = 0; i < n; i++) {
            values[i] = HalfFloats.halfToFloat(raw[i]);
          }
          break;
        }
      case BF16:
        {
          short[] raw = file.readShortsAt(offset, n, what);
          values = new float[n];
          for (int i = 0; i < n; i++) {
            values[i] = HalfFloats.bf16ToFloat(raw[i]);
          }
          break;
        }
      default:
        throw new IllegalStateException("unhandled dtype " + dtype);
    }
    return new FloatTensor(canonicalName, expectedShape, values);
  }

  private static long elementCount(BinaryFile file, Entry e) {
    long n = 1;
    try {
      for (long d : e.shape) {
        n = Math.multiplyExact(n, d);
      }
    } catch (ArithmeticException overflow) {
      throw bad(file, "tensor '" + e.name + "' has an absurd shape " + Arrays.toString(e.shape));
    }
    return n;
  }

  private ModelFormatException bad(String what) {
    return bad(file, what);
  }

  private static ModelFormatException bad(BinaryFile file, String what) {
    return new ModelFormatException(file.path() + ": " + what);
  }

  @Override
  public void close() {
    file.close();
  }
}
