package dev.edgesplit.proto.tensor;

import com.google.protobuf.UnsafeByteOperations;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.HiddenTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Encodes hidden states {@code [S, d]} into {@link HiddenTensor} and decodes them back, checking
 * every property the wire contract promises before the values reach a model. Stateless and
 * thread-safe.
 */
public final class HiddenCodec {

  private HiddenCodec() {}

  /** Bytes per element of {@code dtype}; throws for unknown types. */
  public static int elementSize(DType dtype) {
    switch (dtype) {
      case DTYPE_FP32:
        return 4;
      case DTYPE_FP16:
        return 2;
      case DTYPE_INT8:
        return 1;
      default:
        throw new InvalidTensorException("unknown hidden dtype " + dtype);
    }
  }

  /**
   * Encodes rows {@code [rows, dim]} of {@code values} starting at row {@code firstRow}.
   *
   * @param values row-major hidden states, at least {@code (firstRow + rows) * dim} floats
   */
  public static HiddenTensor encode(float[] values, int firstRow, int rows, int dim, DType dtype) {
    if (rows < 1 || dim < 1 || firstRow < 0 || (long) (firstRow + rows) * dim > values.length) {
      throw new IllegalArgumentException(
          "cannot encode rows ["
              + firstRow
              + ","
              + (firstRow + rows)
              + ") of dim "
              + dim
              + " from "
              + values.length
              + " floats");
    }
    return encode(FloatBuffer.wrap(values, firstRow * dim, rows * dim), rows, dim, dtype);
  }

  /**
   * Encodes {@code [rows, dim]} hidden states read from {@code values}' position on (its position
   * is left as it was): a view of a decode step's output goes on the wire without a copy into an
   * array first.
   */
  public static HiddenTensor encode(FloatBuffer values, int rows, int dim, DType dtype) {
    if (rows < 1 || dim < 1 || (long) rows * dim > values.remaining()) {
      throw new IllegalArgumentException(
          "cannot encode "
              + rows
              + " rows of dim "
              + dim
              + " from "
              + values.remaining()
              + " floats");
    }
    int count = rows * dim;
    int offset = values.position();
    ByteBuffer buf = ByteBuffer.allocate(count * elementSize(dtype)).order(ByteOrder.LITTLE_ENDIAN);
    HiddenTensor.Builder tensor =
        HiddenTensor.newBuilder().addShape(rows).addShape(dim).setDtype(dtype);
    switch (dtype) {
      case DTYPE_FP32:
        for (int i = 0; i < count; i++) {
          buf.putFloat(values.get(offset + i));
        }
        break;
      case DTYPE_FP16:
        for (int i = 0; i < count; i++) {
          buf.putShort(Half.fromFloat(values.get(offset + i)));
        }
        break;
      default:
        for (int r = 0; r < rows; r++) {
          int base = offset + r * dim;
          float maxAbs = 0f;
          for (int c = 0; c < dim; c++) {
            maxAbs = Math.max(maxAbs, Math.abs(values.get(base + c)));
          }
          // An all-zero row still needs a positive scale to be a valid tensor.
          float scale = maxAbs > 0 ? maxAbs / 127f : 1f;
          tensor.addScale(scale);
          for (int c = 0; c < dim; c++) {
            int q = Math.round(values.get(base + c) / scale);
            buf.put((byte) Math.max(-127, Math.min(127, q)));
          }
        }
    }
    buf.flip();
    // The buffer is this method's alone and never written again: the message can hold it without a
    // copy.
    return tensor.setData(UnsafeByteOperations.unsafeWrap(buf)).build();
  }

  /**
   * Checks {@code tensor} and decodes it to row-major floats {@code [S * dim]}.
   *
   * @param expectedDim d that the receiver's model uses
   * @param maxRows most rows S accepted in one tensor
   * @throws InvalidTensorException naming the first property that does not hold
   */
  public static float[] decode(HiddenTensor tensor, int expectedDim, int maxRows) {
    if (tensor.getShapeCount() != 2) {
      throw new InvalidTensorException(
          "hidden tensor must have shape [S, d], got " + tensor.getShapeList() + " dims");
    }
    long rows = Integer.toUnsignedLong(tensor.getShape(0));
    long dim = Integer.toUnsignedLong(tensor.getShape(1));
    if (rows < 1) {
      throw new InvalidTensorException("hidden tensor has S = 0 positions; S must be >= 1");
    }
    if (dim != expectedDim) {
      throw new InvalidTensorException(
          "hidden tensor has d = " + dim + ", the model's hidden size is " + expectedDim);
    }
    if (rows > maxRows) {
      throw new InvalidTensorException(
          "hidden tensor has S = " + rows + " positions, at most " + maxRows + " per frame");
    }
    DType dtype = tensor.getDtype();
    int size = elementSize(dtype);
    long expectedBytes = rows * dim * size;
    if (tensor.getData().size() != expectedBytes) {
      throw new InvalidTensorException(
          "hidden tensor ["
              + rows
              + ", "
              + dim
              + "] "
              + dtype
              + " needs "
              + expectedBytes
              + " bytes, got "
              + tensor.getData().size());
    }
    int count = (int) (rows * dim);
    ByteBuffer buf = tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[count];
    if (dtype == DType.DTYPE_INT8) {
      if (tensor.getScaleCount() != rows) {
        throw new InvalidTensorException(
            "int8 hidden tensor needs one scale per row ("
                + rows
                + "), got "
                + tensor.getScaleCount());
      }
      for (int r = 0; r < rows; r++) {
        float scale = tensor.getScale(r);
        if (!(scale > 0) || Float.isInfinite(scale)) {
          throw new InvalidTensorException(
              "int8 scale of row " + r + " must be positive and finite, got " + scale);
        }
        for (int c = 0; c < dim; c++) {
          int i = (int) (r * dim + c);
          out[i] = buf.get() * scale;
        }
      }
    } else {
      if (tensor.getScaleCount() != 0) {
        throw new InvalidTensorException(dtype + " hidden tensor must not carry scales");
      }
      for (int i = 0; i < count; i++) {
        out[i] = dtype == DType.DTYPE_FP32 ? buf.getFloat() : Half.toFloat(buf.getShort());
      }
    }
    for (int i = 0; i < count; i++) {
      if (!Float.isFinite(out[i])) {
        throw new InvalidTensorException(
            "hidden tensor value at row " + (i / dim) + ", column " + (i % dim) + " is " + out[i]);
      }
    }
    return out;
  }
}
