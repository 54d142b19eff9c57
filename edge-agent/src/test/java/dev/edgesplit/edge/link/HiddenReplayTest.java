package dev.edgesplit.edge.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.HiddenTensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HiddenReplayTest {

  private static final int DIM = 4;

  @Test
  void regroupsPrefillAndDecodeRows_intoChunksOfAtMostMaxRows_withTheSameBytesInOrder() {
    for (DType dtype : new DType[] {DType.DTYPE_FP32, DType.DTYPE_FP16, DType.DTYPE_INT8}) {
      float[] all = new float[10 * DIM];
      for (int i = 0; i < all.length; i++) {
        all[i] = (i % 7) - 3.5f + i / 100f;
      }
      List<HiddenTensor> sent = new ArrayList<>();
      sent.add(HiddenCodec.encode(all, 0, 5, DIM, dtype));
      for (int row = 5; row < 10; row++) {
        sent.add(HiddenCodec.encode(all, row, 1, DIM, dtype));
      }
      List<HiddenTensor> chunks = HiddenReplay.chunks(sent, 3);

      assertThat(chunks).extracting(t -> t.getShape(0)).containsExactly(3, 3, 3, 1);
      float[] expected = decodeAll(sent);
      assertThat(decodeAll(chunks)).as(dtype.name()).containsExactly(expected);
    }
  }

  @Test
  void nothingSent_replaysNothing() {
    assertThat(HiddenReplay.chunks(List.of(), 8)).isEmpty();
  }

  private static float[] decodeAll(List<HiddenTensor> tensors) {
    List<Float> values = new ArrayList<>();
    for (HiddenTensor t : tensors) {
      for (float v : HiddenCodec.decode(t, DIM, 512)) {
        values.add(v);
      }
    }
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
