package dev.edgesplit.partitioner.model;

import java.util.Arrays;

/**
 * A named fp32 tensor in row-major order. Linear weights use PyTorch's layout {@code [out, in]}.
 */
public record FloatTensor(String name, int[] shape, float[] data) {

  public FloatTensor {
    shape = shape.clone();
    long count = 1;
    for (int d : shape) {
      if (d <= 0) {
        throw new IllegalArgumentException(name + ": bad shape " + Arrays.toString(shape));
      }
      count *= d;
    }
    if (count != data.length) {
      throw new IllegalArgumentException(
          name
              + ": shape "
              + Arrays.toString(shape)
              + " needs "
              + count
              + " values, got "
              + data.length);
    }
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  public int rows() {
    return shape[0];
  }

  /** Product of all dimensions after the first (the row length of a matrix). */
  public int cols() {
    return data.length / shape[0];
  }

  public boolean hasShape(int... expected) {
    return Arrays.equals(shape, expected);
  }
}
