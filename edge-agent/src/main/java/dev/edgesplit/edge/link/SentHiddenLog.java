package dev.edgesplit.edge.link;

import dev.edgesplit.proto.v1.HiddenTensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The hidden states a session has sent, exactly as sent and in order, so a new cloud worker can
 * rebuild the session's KV cache by replaying them as a prefill. Used by one generation thread.
 */
public final class SentHiddenLog {

  private final List<HiddenTensor> tensors = new ArrayList<>();
  private int positions;
  private long bytes;

  /**
   * Logs the first {@code rows} rows of {@code tensor}: the positions of a speculative window the
   * worker accepted (the rejected ones left no trace in its KV cache, so a replay must not carry
   * them either).
   */
  public void add(HiddenTensor tensor, int rows) {
    add(HiddenReplay.firstRows(tensor, rows));
  }

  public void add(HiddenTensor tensor) {
    tensors.add(tensor);
    positions += tensor.getShape(0);
    bytes += tensor.getData().size();
  }

  /** Tensors covering positions [0, positions()), in order. */
  public List<HiddenTensor> tensors() {
    return Collections.unmodifiableList(tensors);
  }

  public int positions() {
    return positions;
  }

  /** Tensor payload bytes sent. */
  public long bytes() {
    return bytes;
  }
}
