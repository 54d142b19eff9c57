package dev.edgesplit.edge.chat;

import java.util.List;

/**
 * The fallback for a model that ships no chat template (stories260K, a llama2.c checkpoint): the
 * messages' contents joined by blank lines, system first, with no role markers and nothing added
 * for the assistant turn. A base model then simply continues the text, which is what it was trained
 * to do. Thread-safe.
 */
public final class PlainChatTemplate implements ChatTemplate {

  @Override
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    StringBuilder text = new StringBuilder();
    for (ChatMessage message : messages) {
      if (message.content().isEmpty()) {
        continue;
      }
      if (text.length() > 0) {
        text.append("\n\n");
      }
      text.append(message.content());
    }
    return text.toString();
  }

  @Override
  public List<String> endOfTurn() {
    return List.of();
  }

  @Override
  public String origin() {
    return "plain (the model has no chat template: contents joined by blank lines)";
  }
}
