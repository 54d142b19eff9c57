package dev.edgesplit.edge.chat;

import java.util.Objects;

/**
 * One turn of a conversation, as a chat template sees it.
 *
 * @param role "system", "user", "assistant" (others are passed to the template, which may refuse
 *     them)
 * @param content the turn's text
 */
public record ChatMessage(String role, String content) {

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }
}
