package dev.edgesplit.partitioner.model.gguf;

/**
 * One entry of a GGUF file's tensor table.
 *
 * @param name GGUF tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param dims GGML dimensions, innermost (contiguous) first: a linear weight {@code [out, in]} is
 *     {@code [in, out]}
 * @param type storage type
 * @param offset byte offset of the data from the start of the data section
 * @param bytes byte length of the data
 */
record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset, long bytes) {

  long elements() {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  /** The shape in row-major (PyTorch) order: the GGML dims reversed. */
  int[] shape() {
    int[] shape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      shape[i] = (int) dims[dims.length - 1 - i];
    }
    return shape;
  }
}
