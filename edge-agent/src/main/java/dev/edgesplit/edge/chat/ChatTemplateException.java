package dev.edgesplit.edge.chat;

/**
 * A chat template refused a conversation or failed to render; the message is safe to show to the
 * client.
 */
public final class ChatTemplateException extends RuntimeException {

  public ChatTemplateException(String message) {
    super(message);
  }

  public ChatTemplateException(String message, Throwable cause) {
    super(message, cause);
  }
}
