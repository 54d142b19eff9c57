package dev.edgesplit.partitioner.model;

/**
 * Converts the rows of a query or key projection between the two RoPE conventions.
 *
 * <p>llama2.c rotates adjacent pairs (2j, 2j+1) of each head; Hugging Face rotates (j, j +
 * headSize/2). Both use frequency theta^(-2j/headSize) for pair j, so moving row {@code 2j+p} of
 * each head to row {@code p*headSize/2 + j} turns interleaved weights into rotate-half weights with
 * identical outputs (this is the permutation Hugging Face's Llama converter applies).
 */
public final class RopeLayout {

  private RopeLayout() {}

  /**
   * Rows of an interleaved-RoPE projection {@code [heads*headSize, cols]} reordered for rotate-half
   * RoPE.
   */
  public static FloatTensor interleavedToHalves(FloatTensor w, int headSize) {
    return permute(w, headSize, true);
  }

  /** The inverse of {@link #interleavedToHalves}. */
  public static FloatTensor halvesToInterleaved(FloatTensor w, int headSize) {
    return permute(w, headSize, false);
  }

  private static FloatTensor permute(FloatTensor w, int headSize, boolean toHalves) {
    int rows = w.rows();
    int cols = w.cols();
    if (headSize % 2 != 0 || rows % headSize != 0) {
      throw new IllegalArgumentException(
          w.name() + ": " + rows + " rows do not split into heads of " + headSize);
    }
    float[] src = w.data();
    float[] dst = new float[src.length];
    int half = headSize / 2;
    for (int head = 0; head < rows / headSize; head++) {
      int base = head * headSize;
      for (int j = 0; j < half; j++) {
        for (int p = 0; p < 2; p++) {
          int interleaved = base + 2 * j + p;
          int halves = base + p * half + j;
          int from = toHalves ? interleaved : halves;
          int to = toHalves ? halves : interleaved;
          System.arraycopy(src, from * cols, dst, to * cols, cols);
        }
      }
    }
    return new FloatTensor(w.name(), w.shape(), dst);
  }
}
