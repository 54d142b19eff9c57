package dev.edgesplit.partitioner.model.gguf;

import dev.edgesplit.partitioner.model.HalfFloats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small GGUF v3 writer for tests, written from the format's specification (not from the reader):
 * typed metadata values, tensors as raw bytes, data aligned to {@code general.alignment}. Quantizes
 * Q8_0 and Q4_0 as GGML's reference {@code quantize_row_q8_0/q4_0} do.
 */
final class GgufWriter {

  /** A metadata value with its GGUF type id (element type for arrays). */
  record Value(int type, int elementType, Object value) {}

  private record Tensor(String name, long[] dims, int type, byte[] data) {}

  private final Map<String, Value> metadata = new LinkedHashMap<>();
  private final List<Tensor> tensors = new ArrayList<>();
  private int version = 3;
  private int alignment = 32;

  GgufWriter version(int v) {
    version = v;
    return this;
  }

  GgufWriter alignment(int a) {
    alignment = a;
    metadata.put("general.alignment", new Value(GgufFile.UINT32, 0, (long) a));
    return this;
  }

  GgufWriter string(String key, String v) {
    metadata.put(key, new Value(GgufFile.STRING, 0, v));
    return this;
  }

  GgufWriter u32(String key, long v) {
    metadata.put(key, new Value(GgufFile.UINT32, 0, v));
    return this;
  }

  GgufWriter i32(String key, long v) {
    metadata.put(key, new Value(GgufFile.INT32, 0, v));
    return this;
  }

  GgufWriter f32(String key, double v) {
    metadata.put(key, new Value(GgufFile.FLOAT32, 0, v));
    return this;
  }

  GgufWriter bool(String key, boolean v) {
    metadata.put(key, new Value(GgufFile.BOOL, 0, v));
    return this;
  }

  GgufWriter raw(String key, int type, Object v) {
    metadata.put(key, new Value(type, 0, v));
    return this;
  }

  GgufWriter strings(String key, List<String> v) {
    metadata.put(key, new Value(GgufFile.ARRAY, GgufFile.STRING, v));
    return this;
  }

  GgufWriter floats(String key, List<Double> v) {
    metadata.put(key, new Value(GgufFile.ARRAY, GgufFile.FLOAT32, v));
    return this;
  }

  GgufWriter ints(String key, List<Long> v) {
    metadata.put(key, new Value(GgufFile.ARRAY, GgufFile.INT32, v));
    return this;
  }

  /**
   * A tensor {@code [rows, cols]} (row-major) or 1-D {@code [cols]} when rows is 0, stored as
   * {@code type}.
   */
  GgufWriter tensor(String name, int rows, int cols, float[] values, GgmlType type) {
    long[] dims = rows == 0 ? new long[] {cols} : new long[] {cols, rows};
    tensors.add(new Tensor(name, dims, type.id, encode(values, type)));
    return this;
  }

  /** A tensor with raw data and any type id (for damaged files). */
  GgufWriter rawTensor(String name, long[] dims, int typeId, byte[] data) {
    tensors.add(new Tensor(name, dims, typeId, data));
    return this;
  }

  byte[] bytes() {
    Out out = new Out();
    out.u32(GgufFile.MAGIC).u32(version).u64(tensors.size()).u64(metadata.size());
    for (Map.Entry<String, Value> e : metadata.entrySet()) {
      out.str(e.getKey()).u32(e.getValue().type());
      out.value(e.getValue().type(), e.getValue().elementType(), e.getValue().value());
    }
    long offset = 0;
    List<Long> offsets = new ArrayList<>();
    for (Tensor t : tensors) {
      out.str(t.name()).u32(t.dims().length);
      for (long d : t.dims()) {
        out.u64(d);
      }
      out.u32(t.type()).u64(offset);
      offsets.add(offset);
      offset = align(offset + t.data().length);
    }
    out.pad(alignment);
    for (Tensor t : tensors) {
      out.bytes.write(t.data(), 0, t.data().length);
      out.pad(alignment);
    }
    return out.bytes.toByteArray();
  }

  Path write(Path file) throws IOException {
    Files.write(file, bytes());
    return file;
  }

  private long align(long n) {
    return (n + alignment - 1) / alignment * alignment;
  }

  static byte[] encode(float[] values, GgmlType type) {
    ByteBuffer b;
    switch (type) {
      case F32:
        b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
          b.putFloat(v);
        }
        return b.array();
      case F16:
        b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
          b.putShort(HalfFloats.floatToHalf(v));
        }
        return b.array();
      case BF16:
        b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
          b.putShort(HalfFloats.floatToBf16(v));
        }
        return b.array();
      case Q8_0:
        b = ByteBuffer.allocate(values.length / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < values.length / 32; blk++) {
          float amax = 0;
          for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(values[blk * 32 + j]));
          }
          float d = amax / 127f;
          float id = d != 0 ? 1f / d : 0f;
          b.putShort(HalfFloats.floatToHalf(d));
          for (int j = 0; j < 32; j++) {
            b.put((byte) Math.round(values[blk * 32 + j] * id));
          }
        }
        return b.array();
      case Q4_0:
        b = ByteBuffer.allocate(values.length / 32 * 18).order(ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < values.length / 32; blk++) {
          float amax = 0;
          float max = 0;
          for (int j = 0; j < 32; j++) {
            float v = values[blk * 32 + j];
            if (amax < Math.abs(v)) {
              amax = Math.abs(v);
              max = v;
            }
          }
          float d = max / -8;
          float id = d != 0 ? 1f / d : 0f;
          b.putShort(HalfFloats.floatToHalf(d));
          for (int j = 0; j < 16; j++) {
            int x0 = Math.min(15, (int) (values[blk * 32 + j] * id + 8.5f));
            int x1 = Math.min(15, (int) (values[blk * 32 + 16 + j] * id + 8.5f));
            b.put((byte) (x0 | x1 << 4));
          }
        }
        return b.array();
      default:
        throw new IllegalArgumentException("the test writer does not encode " + type);
    }
  }

  private static final class Out {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final ByteBuffer word = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    Out u32(long v) {
      bytes.write(word.clear().putInt((int) v).array(), 0, 4);
      return this;
    }

    Out u64(long v) {
      bytes.write(word.clear().putLong(v).array(), 0, 8);
      return this;
    }

    Out str(String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      u64(utf8.length);
      bytes.write(utf8, 0, utf8.length);
      return this;
    }

    void pad(int alignment) {
      while (bytes.size() % alignment != 0) {
        bytes.write(0);
      }
    }

    @SuppressWarnings("unchecked")
    void value(int type, int elementType, Object v) {
      switch (type) {
        case GgufFile.UINT8:
        case GgufFile.INT8:
          bytes.write((int) (long) (Long) v);
          break;
        case GgufFile.UINT16:
        case GgufFile.INT16:
          bytes.write(word.clear().putShort((short) (long) (Long) v).array(), 0, 2);
          break;
        case GgufFile.UINT32:
        case GgufFile.INT32:
          u32((Long) v);
          break;
        case GgufFile.UINT64:
        case GgufFile.INT64:
          u64((Long) v);
          break;
        case GgufFile.FLOAT32:
          bytes.write(word.clear().putFloat((float) (double) (Double) v).array(), 0, 4);
          break;
        case GgufFile.FLOAT64:
          bytes.write(word.clear().putDouble((Double) v).array(), 0, 8);
          break;
        case GgufFile.BOOL:
          bytes.write((Boolean) v ? 1 : 0);
          break;
        case GgufFile.STRING:
          str((String) v);
          break;
        case GgufFile.ARRAY:
          {
            List<Object> list = (List<Object>) v;
            u32(elementType).u64(list.size());
            for (Object o : list) {
              value(elementType, 0, o);
            }
            break;
          }
        default:
          u32(0); // an unknown type: the reader must refuse it before reading a value
      }
    }
  }
}
