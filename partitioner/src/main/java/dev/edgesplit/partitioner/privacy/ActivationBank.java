package dev.edgesplit.partitioner.privacy;

import java.util.Objects;

/**
 * What a cloud operator would receive at every cut, with the truth beside it: for each recorded
 * position its token id, the sequence it came from, and the hidden state {@code h_k} entering layer
 * {@code k} for every {@code k} in {@code [0, N]} ({@code h_0} is the embedding row). Position 0
 * (the BOS token) is recorded for attacks that read a neighbour's state, but never scored.
 *
 * @param dim hidden size d
 * @param tokens token id at each recorded position // [n]
 * @param sequence index of the sequence each position belongs to // [n]
 * @param position position inside its sequence; rows of one sequence are consecutive // [n]
 * @param hidden hidden states by cut // [N + 1][n * d]
 */
public record ActivationBank(
    int dim, int[] tokens, int[] sequence, int[] position, float[][] hidden) {

  public ActivationBank {
    Objects.requireNonNull(tokens, "tokens");
    if (sequence.length != tokens.length || position.length != tokens.length) {
      throw new IllegalArgumentException(
          "sequence holds " + sequence.length + " entries for " + tokens.length + " tokens");
    }
    for (float[] h : hidden) {
      if (h.length != (long) tokens.length * dim) {
        throw new IllegalArgumentException(
            "hidden states hold " + h.length + " values, expected " + tokens.length + " x " + dim);
      }
    }
  }

  /** Row of the previous position of the same sequence, or -1 at a sequence's start. */
  public int previous(int i) {
    return position[i] > 0 && i > 0 && sequence[i - 1] == sequence[i] ? i - 1 : -1;
  }

  public int size() {
    return tokens.length;
  }

  /** Number of layers N: cuts run from 0 to N. */
  public int layers() {
    return hidden.length - 1;
  }

  /** Number of distinct sequences. */
  public int sequences() {
    int max = -1;
    for (int s : sequence) {
      max = Math.max(max, s);
    }
    return max + 1;
  }

  /** Row {@code i} of the hidden states at {@code cut}, copied. */
  public float[] row(int cut, int i) {
    float[] out = new float[dim];
    System.arraycopy(hidden[cut], i * dim, out, 0, dim);
    return out;
  }
}
