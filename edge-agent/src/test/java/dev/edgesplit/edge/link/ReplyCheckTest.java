package dev.edgesplit.edge.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** The one "reply answers the frame" rule, as a table. */
class ReplyCheckTest {

  private static final SessionReply TOKEN =
      SessionReply.newBuilder().setPosition(5).setHasToken(true).setTokenId(7).build();
  private static final SessionReply HIDDEN =
      SessionReply.newBuilder()
          .setPosition(5)
          .setHidden(HiddenTensor.newBuilder().addShape(1).addShape(4))
          .build();
  private static final SessionReply BARE = SessionReply.newBuilder().setPosition(5).build();

  @Test
  void replies_thatAnswerTheirFrame_pass() {
    assertThat(ReplyCheck.requireAnswer("step", TOKEN, 5, true, false)).isSameAs(TOKEN);
    assertThat(ReplyCheck.requireAnswer("step", HIDDEN, 5, false, true)).isSameAs(HIDDEN);
    assertThat(ReplyCheck.requireAnswer("replay", BARE, 5, false, false)).isSameAs(BARE);
  }

  @Test
  void replies_thatDoNot_failWithInternal_notRetried() {
    Object[][] table = {
      {TOKEN, 6, true, false}, // another position
      {TOKEN, 5, false, false}, // a token for a frame the worker must not sample
      {BARE, 5, true, false}, // no token for the last frame
      {TOKEN, 5, true, true}, // no hidden states in a U-shaped session
      {HIDDEN, 5, false, false}, // hidden states in a plain session
    };
    for (Object[] row : table) {
      assertThatThrownBy(
              () ->
                  ReplyCheck.requireAnswer(
                      "step",
                      (SessionReply) row[0],
                      (int) row[1],
                      (boolean) row[2],
                      (boolean) row[3]))
          .isInstanceOfSatisfying(
              CloudLinkException.class,
              e -> {
                assertThat(e.status().getCode()).isEqualTo(Status.Code.INTERNAL);
                assertThat(e.retryable()).isFalse();
                assertThat(e.getMessage()).contains("does not answer the frame ending at");
              });
    }
  }
}
