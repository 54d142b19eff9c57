package dev.edgesplit.partitioner.privacy;

/**
 * One way a cloud operator can turn the hidden states it receives back into token ids.
 * Implementations are immutable and thread-safe.
 */
public interface InversionAttack {

  /** Short column name, e.g. {@code emb-cos}. */
  String name();

  /** How the attack works, in one line, for the report. */
  String method();

  /**
   * The token the attacker guesses for every held-out position of {@code split} at {@code cut};
   * attacks that learn fit on the split's training positions only.
   */
  int[] recover(ActivationBank bank, AttackerKnowledge knowledge, int cut, Split split);
}
