package dev.edgesplit.engine.segment;

/**
 * Names of the inputs and outputs of every ONNX segment (the contract between writer and runtime).
 */
public final class SegmentIo {

  /** int64 [1, S]: token ids (segments with the embedding). */
  public static final String INPUT_IDS = "input_ids";

  /** float [1, S, d]: hidden states entering the segment's first layer. */
  public static final String HIDDEN_IN = "hidden_in";

  /** int64 [1, S]: absolute positions (only where RoPE runs as its own node). */
  public static final String POSITION_IDS = "position_ids";

  /** int32 [1]: total sequence length after this run, minus one. */
  public static final String SEQLENS_K = "seqlens_k";

  /** int32 scalar: total sequence length after this run. */
  public static final String TOTAL_SEQUENCE_LENGTH = "total_sequence_length";

  /** float [1, S, d]: hidden states after the segment's last layer. */
  public static final String HIDDEN_OUT = "hidden_out";

  /** float [1, vocab]: logits of the last position (segments with the head). */
  public static final String LOGITS = "logits";

  private SegmentIo() {}

  /** float [1, nKvHeads, maxContext, headSize]. */
  public static String pastKey(int layer) {
    return "past_key." + layer;
  }

  public static String pastValue(int layer) {
    return "past_value." + layer;
  }

  public static String presentKey(int layer) {
    return "present_key." + layer;
  }

  public static String presentValue(int layer) {
    return "present_value." + layer;
  }
}
