package dev.edgesplit.edge.link;

import com.google.protobuf.ByteString;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.HiddenTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Regroups the hidden states a session has sent (one prefill chunk, then one row per decode step)
 * into as few tensors as a worker accepts, for replaying them as a prefill. Bytes are copied as
 * sent, never re-encoded, so the rebuilt KV cache equals the lost one.
 */
final class HiddenReplay {

  private HiddenReplay() {}

  /**
   * @param sent tensors [S_i, d] of one dtype, in position order
   * @param maxRows most positions per tensor (the worker's max_frame_positions), >= 1
   * @return tensors covering the same rows in the same order, each with at most {@code maxRows}
   *     rows
   */
  static List<HiddenTensor> chunks(List<HiddenTensor> sent, int maxRows) {
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
    }
    List<HiddenTensor> out = new ArrayList<>();
    Chunk chunk = null;
    for (HiddenTensor t : sent) {
      int rows = t.getShape(0);
      int dim = t.getShape(1);
      int rowBytes = dim * HiddenCodec.elementSize(t.getDtype());
      for (int row = 0; row < rows; ) {
        if (chunk == null || chunk.rows == maxRows) {
          if (chunk != null) {
            out.add(chunk.build());
          }
          chunk = new Chunk(t, dim);
        } else if (chunk.dtype() != t.getDtype() || chunk.dim != dim) {
          throw new IllegalArgumentException(
              "sent hidden states mix "
                  + chunk.dtype()
                  + " [*, "
                  + chunk.dim
                  + "] and "
                  + t.getDtype()
                  + " [*, "
                  + dim
                  + "]");
        }
        int take = Math.min(rows - row, maxRows - chunk.rows);
        chunk.data =
            chunk.data.concat(t.getData().substring(row * rowBytes, (row + take) * rowBytes));
        if (t.getScaleCount() > 0) {
          chunk.builder.addAllScale(t.getScaleList().subList(row, row + take));
        }
        chunk.rows += take;
        row += take;
      }
    }
    if (chunk != null) {
      out.add(chunk.build());
    }
    return out;
  }

  /**
   * The first {@code rows} rows of {@code t} [S, d] (the accepted positions of a speculative
   * window), as sent.
   */
  static HiddenTensor firstRows(HiddenTensor t, int rows) {
    int all = t.getShape(0);
    if (rows < 1 || rows > all) {
      throw new IllegalArgumentException("cannot keep " + rows + " of " + all + " rows");
    }
    if (rows == all) {
      return t;
    }
    int dim = t.getShape(1);
    int rowBytes = dim * HiddenCodec.elementSize(t.getDtype());
    HiddenTensor.Builder b =
        HiddenTensor.newBuilder()
            .setDtype(t.getDtype())
            .addShape(rows)
            .addShape(dim)
            .setData(t.getData().substring(0, rows * rowBytes));
    if (t.getScaleCount() > 0) {
      b.addAllScale(t.getScaleList().subList(0, rows));
    }
    return b.build();
  }

  private static final class Chunk {
    final HiddenTensor.Builder builder;
    final int dim;
    ByteString data = ByteString.EMPTY;
    int rows;

    Chunk(HiddenTensor first, int dim) {
      this.builder = HiddenTensor.newBuilder().setDtype(first.getDtype());
      this.dim = dim;
    }

    dev.edgesplit.proto.v1.DType dtype() {
      return builder.getDtype();
    }

    HiddenTensor build() {
      return builder.addShape(rows).addShape(dim).setData(data).build();
    }
  }
}
