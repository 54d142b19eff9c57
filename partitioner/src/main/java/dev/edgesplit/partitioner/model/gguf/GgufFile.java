package dev.edgesplit.partitioner.model.gguf;

import dev.edgesplit.partitioner.model.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian): header, metadata key/values of every GGUF type
 * (arrays included), the tensor table, and the data section aligned to {@code general.alignment}
 * (default 32).
 *
 * <p>Every count, length and offset is checked against the file's size before it is used, so a
 * truncated or corrupt file is a {@link ModelFormatException} naming the file and the field, never
 * an underflow or a huge allocation. Tensor data is read on demand. Not thread-safe; close it.
 */
final class GgufFile implements AutoCloseable {

  static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
  static final int DEFAULT_ALIGNMENT = 32;
  static final String ALIGNMENT_KEY = "general.alignment";
  private static final int MAX_DIMS = 4;
  private static final int MAX_ARRAY_DEPTH = 4;

  // GGUF metadata value types.
  static final int UINT8 = 0;
  static final int INT8 = 1;
  static final int UINT16 = 2;
  static final int INT16 = 3;
  static final int UINT32 = 4;
  static final int INT32 = 5;
  static final int FLOAT32 = 6;
  static final int BOOL = 7;
  static final int STRING = 8;
  static final int ARRAY = 9;
  static final int UINT64 = 10;
  static final int INT64 = 11;
  static final int FLOAT64 = 12;

  private final Path path;
  private final FileChannel channel;
  private final long size;
  private final int version;
  private final GgufMetadata metadata;
  private final Map<String, GgufTensorInfo> tensors;
  private final long dataStart;

  private GgufFile(
      Path path,
      FileChannel channel,
      long size,
      int version,
      GgufMetadata metadata,
      Map<String, GgufTensorInfo> tensors,
      long dataStart) {
    this.path = path;
    this.channel = channel;
    this.size = size;
    this.version = version;
    this.metadata = metadata;
    this.tensors = tensors;
    this.dataStart = dataStart;
  }

  /** Opens {@code path} and reads its header and tensor table. */
  static GgufFile open(Path path) {
    FileChannel channel;
    long size;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
      size = channel.size();
    } catch (IOException e) {
      throw new ModelFormatException(path + ": cannot open: " + e.getMessage(), e);
    }
    try {
      // The header is read through a mapping of (at most) the first 2 GiB; tensor data by
      // positional reads.
      MappedByteBuffer map =
          channel.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
      Header h = new Header(path, map.order(ByteOrder.LITTLE_ENDIAN), size);
      return h.read(channel);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new ModelFormatException(path + ": cannot read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  Path path() {
    return path;
  }

  int version() {
    return version;
  }

  GgufMetadata metadata() {
    return metadata;
  }

  /** The tensor table, in file order. */
  Map<String, GgufTensorInfo> tensors() {
    return tensors;
  }

  /** The raw bytes of {@code tensor} (bounds were checked when the table was read). */
  byte[] read(GgufTensorInfo tensor) {
    byte[] out = new byte[(int) tensor.bytes()];
    ByteBuffer buf = ByteBuffer.wrap(out);
    long at = dataStart + tensor.offset();
    try {
      while (buf.hasRemaining()) {
        int r = channel.read(buf, at + buf.position());
        if (r < 0) {
          throw new ModelFormatException(
              path + ": file shrank while reading tensor '" + tensor.name() + "'");
        }
      }
    } catch (IOException e) {
      throw new ModelFormatException(
          path + ": cannot read tensor '" + tensor.name() + "': " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Read-only: nothing was written that a failed close could lose.
    }
  }

  /** Parses the header, metadata and tensor table from a little-endian view of the file's start. */
  private static final class Header {
    private final Path path;
    private final ByteBuffer in;
    private final long size;

    Header(Path path, ByteBuffer in, long size) {
      this.path = path;
      this.in = in;
      this.size = size;
    }

    GgufFile read(FileChannel channel) {
      need(4, "magic");
      int magic = in.getInt();
      if (magic != MAGIC) {
        throw bad("bad magic 0x" + Integer.toHexString(magic) + " (not a GGUF file)");
      }
      need(4, "version");
      int version = in.getInt();
      if (version == 1) {
        throw bad("GGUF version 1 is not supported (versions 2 and 3 are)");
      }
      if (version != 2 && version != 3) {
        throw bad(
            "version "
                + Integer.toUnsignedString(version)
                + " is not supported (2 and 3 are"
                + (Integer.reverseBytes(version) <= 3
                    ? "; this looks like a big-endian file, which is not"
                    : "")
                + ")");
      }
      long tensorCount = count("tensor_count", 8 + 4 + 8 + 4 + 8);
      long kvCount = count("metadata_kv_count", 8 + 4);
      Map<String, Object> kv = new LinkedHashMap<>();
      for (long i = 0; i < kvCount; i++) {
        String key = string("metadata key " + i);
        need(4, "type of metadata '" + key + "'");
        int type = in.getInt();
        Object value = value(type, "metadata '" + key + "'", 0);
        if (kv.put(key, value) != null) {
          throw bad("metadata key '" + key + "' appears twice");
        }
      }
      GgufMetadata metadata = new GgufMetadata(path, kv);
      long alignment =
          kv.containsKey(ALIGNMENT_KEY) ? metadata.integer(ALIGNMENT_KEY) : DEFAULT_ALIGNMENT;
      if (alignment <= 0 || alignment > (1 << 20) || Long.bitCount(alignment) != 1) {
        throw bad(
            "metadata '"
                + ALIGNMENT_KEY
                + "' = "
                + alignment
                + " is not a power of two up to 1 MiB");
      }
      List<GgufTensorInfo> infos = new ArrayList<>();
      for (long i = 0; i < tensorCount; i++) {
        infos.add(tensorInfo(i, alignment));
      }
      long dataStart = align(in.position(), alignment);
      Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
      for (GgufTensorInfo t : infos) {
        long end = dataStart + t.offset() + t.bytes();
        if (t.offset() > size || end > size || end < 0) {
          throw bad(
              "tensor '"
                  + t.name()
                  + "' data ["
                  + (dataStart + t.offset())
                  + ", "
                  + end
                  + ") lies outside the file ("
                  + size
                  + " bytes)");
        }
        if (tensors.put(t.name(), t) != null) {
          throw bad("tensor '" + t.name() + "' appears twice in the tensor table");
        }
      }
      return new GgufFile(
          path, channel, size, version, metadata, Collections.unmodifiableMap(tensors), dataStart);
    }

    private GgufTensorInfo tensorInfo(long index, long alignment) {
      String name = string("name of tensor " + index);
      need(4, "n_dimensions of tensor '" + name + "'");
      int nDims = in.getInt();
      if (nDims < 1 || nDims > MAX_DIMS) {
        throw bad(
            "tensor '"
                + name
                + "' has "
                + Integer.toUnsignedString(nDims)
                + " dimensions (1.."
                + MAX_DIMS
                + " supported)");
      }
      long[] dims = new long[nDims];
      long elements = 1;
      for (int d = 0; d < nDims; d++) {
        need(8, "dimension " + d + " of tensor '" + name + "'");
        dims[d] = in.getLong();
        if (dims[d] <= 0 || dims[d] > Integer.MAX_VALUE) {
          throw bad(
              "tensor '" + name + "' has dimension " + d + " = " + Long.toUnsignedString(dims[d]));
        }
        elements *= dims[d];
        if (elements > Integer.MAX_VALUE - 8) {
          throw bad(
              "tensor '" + name + "' " + Arrays.toString(dims) + " has more than 2^31 values");
        }
      }
      need(4, "type of tensor '" + name + "'");
      int typeId = in.getInt();
      GgmlType type = GgmlType.byId(typeId & 0xffffffffL);
      if (type == null) {
        throw bad(
            "tensor '"
                + name
                + "' has GGML type "
                + Integer.toUnsignedString(typeId)
                + ", which edgesplit does not read (it reads "
                + Arrays.toString(GgmlType.values())
                + ")");
      }
      if (dims[0] % type.blockValues != 0) {
        throw bad(
            "tensor '"
                + name
                + "' of type "
                + type
                + " has a row of "
                + dims[0]
                + " values, not a multiple"
                + " of its block of "
                + type.blockValues);
      }
      need(8, "offset of tensor '" + name + "'");
      long offset = in.getLong();
      if (offset < 0 || offset % alignment != 0) {
        throw bad(
            "tensor '"
                + name
                + "' offset "
                + Long.toUnsignedString(offset)
                + " is not a multiple of the"
                + " alignment "
                + alignment);
      }
      long bytes = elements / type.blockValues * type.blockBytes;
      if (bytes > Integer.MAX_VALUE - 8) {
        throw bad(
            "tensor '"
                + name
                + "' holds "
                + bytes
                + " bytes; tensors over 2 GiB are not supported");
      }
      return new GgufTensorInfo(name, dims, type, offset, bytes);
    }

    private Object value(int type, String what, int depth) {
      switch (type) {
        case UINT8:
          need(1, what);
          return (long) (in.get() & 0xff);
        case INT8:
          need(1, what);
          return (long) in.get();
        case UINT16:
          need(2, what);
          return (long) (in.getShort() & 0xffff);
        case INT16:
          need(2, what);
          return (long) in.getShort();
        case UINT32:
          need(4, what);
          return in.getInt() & 0xffffffffL;
        case INT32:
          need(4, what);
          return (long) in.getInt();
        case UINT64:
        case INT64:
          need(8, what);
          return in.getLong();
        case FLOAT32:
          need(4, what);
          return (double) in.getFloat();
        case FLOAT64:
          need(8, what);
          return in.getDouble();
        case BOOL:
          {
            need(1, what);
            byte b = in.get();
            if (b != 0 && b != 1) {
              throw bad(what + " is a bool of value " + b);
            }
            return b == 1;
          }
        case STRING:
          return string(what);
        case ARRAY:
          {
            if (depth >= MAX_ARRAY_DEPTH) {
              throw bad(what + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
            }
            need(4, "element type of " + what);
            int elementType = in.getInt();
            long n = count("length of " + what, minBytes(elementType, what));
            List<Object> list = new ArrayList<>((int) Math.min(n, 1 << 16));
            for (long i = 0; i < n; i++) {
              list.add(value(elementType, what + "[" + i + "]", depth + 1));
            }
            return Collections.unmodifiableList(list);
          }
        default:
          throw bad(what + " has unknown value type " + Integer.toUnsignedString(type));
      }
    }

    private int minBytes(int type, String what) {
      switch (type) {
        case UINT8:
        case INT8:
        case BOOL:
          return 1;
        case UINT16:
        case INT16:
          return 2;
        case UINT32:
        case INT32:
        case FLOAT32:
          return 4;
        case UINT64:
        case INT64:
        case FLOAT64:
        case STRING:
          return 8;
        case ARRAY:
          return 12;
        default:
          throw bad(what + " has unknown element type " + Integer.toUnsignedString(type));
      }
    }

    /**
     * A uint64 count whose entries take at least {@code minEntryBytes} each: more than the file
     * holds is bad.
     */
    private long count(String what, int minEntryBytes) {
      need(8, what);
      long n = in.getLong();
      long room = size - in.position();
      if (n < 0 || n > room / minEntryBytes) {
        throw bad(
            what + " = " + Long.toUnsignedString(n) + " cannot fit in the " + room + " bytes left");
      }
      return n;
    }

    private String string(String what) {
      need(8, "length of " + what);
      long length = in.getLong();
      if (length < 0 || length > in.remaining()) {
        throw truncated(what, length);
      }
      byte[] bytes = new byte[(int) length];
      in.get(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }

    private void need(long bytes, String what) {
      if (in.remaining() < bytes) {
        throw truncated(what, bytes);
      }
    }

    private ModelFormatException truncated(String what, long bytes) {
      if (in.limit() < size) {
        return bad(what + " lies beyond the first 2 GiB: a header that large is not supported");
      }
      return bad(
          "truncated: "
              + what
              + " needs "
              + Long.toUnsignedString(bytes)
              + " bytes at offset "
              + in.position()
              + " but the file has "
              + size);
    }

    private ModelFormatException bad(String what) {
      return new ModelFormatException(path + ": " + what);
    }

    static long align(long position, long alignment) {
      return (position + alignment - 1) / alignment * alignment;
    }
  }
}
