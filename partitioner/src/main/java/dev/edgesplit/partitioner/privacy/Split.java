package dev.edgesplit.partitioner.privacy;

import java.util.stream.IntStream;

/**
 * Which positions of a bank an attacker trains on and which it is scored on. Whole sequences go to
 * one side, so no held-out position shares its context with a training one.
 *
 * @param train positions the attacker may fit on
 * @param test held-out positions it is scored on
 */
public record Split(int[] train, int[] test) {

  /**
   * The last {@code heldOut} share of sequences (at least one) held out; the rest train. Position 0
   * (BOS, the same token everywhere) is in neither.
   */
  public static Split bySequence(ActivationBank bank, double heldOut) {
    if (!(heldOut > 0 && heldOut < 1)) {
      throw new IllegalArgumentException("held-out share must be in (0, 1), got " + heldOut);
    }
    int sequences = bank.sequences();
    if (sequences < 2) {
      throw new IllegalArgumentException("an audit needs at least 2 sequences, got " + sequences);
    }
    int firstTest = Math.min(sequences - 1, (int) Math.round(sequences * (1 - heldOut)));
    int[] seq = bank.sequence();
    int[] pos = bank.position();
    int[] train =
        IntStream.range(0, bank.size()).filter(i -> pos[i] > 0 && seq[i] < firstTest).toArray();
    int[] test =
        IntStream.range(0, bank.size()).filter(i -> pos[i] > 0 && seq[i] >= firstTest).toArray();
    return new Split(train, test);
  }
}
