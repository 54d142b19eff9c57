package dev.edgesplit.partitioner.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A little-endian model file read in bulk through a reusable direct buffer, with every read checked
 * against the file's size so that a short file is a {@link ModelFormatException}, never a buffer
 * underflow. Positional reads work past 2 GiB (a single mapping would not). Not thread-safe.
 */
final class BinaryFile implements AutoCloseable {

  private static final int CHUNK_BYTES = 8 << 20;

  private final Path path;
  private final FileChannel channel;
  private final long size;
  private final ByteBuffer chunk;
  private long position;

  private BinaryFile(Path path, FileChannel channel, long size) {
    this.path = path;
    this.channel = channel;
    this.size = size;
    this.chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  }

  static BinaryFile open(Path path) {
    try {
      FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
      return new BinaryFile(path, channel, channel.size());
    } catch (IOException e) {
      throw new ModelFormatException(path + ": cannot open: " + e.getMessage(), e);
    }
  }

  Path path() {
    return path;
  }

  long size() {
    return size;
  }

  long position() {
    return position;
  }

  void seek(long newPosition) {
    position = newPosition;
  }

  /** Reads one int32 at the cursor and advances. */
  int readInt(String what) {
    int v = fill(position, 4, what).getInt();
    position += 4;
    return v;
  }

  /** Reads {@code count} floats at the cursor and advances. */
  float[] readFloats(int count, String what) {
    float[] out = readFloatsAt(position, count, what);
    position += 4L * count;
    return out;
  }

  /** Reads {@code count} bytes at the cursor and advances. */
  byte[] readBytes(int count, String what) {
    byte[] out = readBytesAt(position, count, what);
    position += count;
    return out;
  }

  /** Skips {@code bytes} after checking that they exist. */
  void skip(long bytes, String what) {
    require(position, bytes, what);
    position += bytes;
  }

  float[] readFloatsAt(long offset, int count, String what) {
    require(offset, 4L * count, what);
    float[] out = new float[count];
    int done = 0;
    while (done < count) {
      int n = Math.min(count - done, CHUNK_BYTES / 4);
      fill(offset + 4L * done, 4 * n, what).asFloatBuffer().get(out, done, n);
      done += n;
    }
    return out;
  }

  short[] readShortsAt(long offset, int count, String what) {
    require(offset, 2L * count, what);
    short[] out = new short[count];
    int done = 0;
    while (done < count) {
      int n = Math.min(count - done, CHUNK_BYTES / 2);
      fill(offset + 2L * done, 2 * n, what).asShortBuffer().get(out, done, n);
      done += n;
    }
    return out;
  }

  byte[] readBytesAt(long offset, int count, String what) {
    require(offset, count, what);
    byte[] out = new byte[count];
    int done = 0;
    while (done < count) {
      int n = Math.min(count - done, CHUNK_BYTES);
      fill(offset + done, n, what).get(out, done, n);
      done += n;
    }
    return out;
  }

  /** Throws unless bytes [offset, offset+length) lie inside the file. */
  void require(long offset, long length, String what) {
    if (offset < 0 || length < 0 || offset > size || length > size - offset) {
      throw new ModelFormatException(
          path
              + ": truncated: "
              + what
              + " needs "
              + length
              + " bytes at offset "
              + offset
              + " but the file has only "
              + size
              + " bytes");
    }
  }

  /**
   * Loads [offset, offset+length) into the chunk buffer, length <= CHUNK_BYTES, and returns it
   * flipped.
   */
  private ByteBuffer fill(long offset, int length, String what) {
    require(offset, length, what);
    chunk.clear().limit(length);
    try {
      while (chunk.hasRemaining()) {
        int r = channel.read(chunk, offset + chunk.position());
        if (r < 0) {
          throw new ModelFormatException(path + ": file shrank while reading " + what);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": read failed for " + what, e);
    }
    return chunk.flip();
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": close failed", e);
    }
  }
}
