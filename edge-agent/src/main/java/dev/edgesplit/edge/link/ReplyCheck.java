package dev.edgesplit.edge.link;

import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.Status;

/**
 * The one rule for "this reply answers that frame": a reply ends where the frame ended, carries a
 * token exactly when the frame was sampled by the worker, and carries hidden states exactly when
 * the session is U-shaped. A worker that breaks it is broken, not slow: the failure is INTERNAL and
 * not retried. Stateless.
 */
public final class ReplyCheck {

  private ReplyCheck() {}

  /**
   * @param step what was exchanged, for the error ("session step", "replay")
   * @param position where the frame ended
   * @param token whether the worker sampled the frame (a plain session's last frame)
   * @param hidden whether the reply must carry hidden states (a U-shaped session)
   * @return {@code reply}
   * @throws CloudLinkException (INTERNAL) when the reply does not answer the frame
   */
  public static SessionReply requireAnswer(
      String step, SessionReply reply, int position, boolean token, boolean hidden) {
    if (reply.getPosition() != position
        || reply.getHasToken() != token
        || reply.hasHidden() != hidden) {
      throw new CloudLinkException(
          step,
          Status.INTERNAL.withDescription(
              "reply at position "
                  + reply.getPosition()
                  + " (token: "
                  + reply.getHasToken()
                  + ", hidden: "
                  + reply.hasHidden()
                  + ") does not answer the frame ending at "
                  + position));
    }
    return reply;
  }
}
