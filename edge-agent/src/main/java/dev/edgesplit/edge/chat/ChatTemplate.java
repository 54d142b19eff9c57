package dev.edgesplit.edge.chat;

import java.util.List;

/**
 * Turns a conversation into the prompt text the model was trained on. Implementations are immutable
 * and thread-safe.
 */
public interface ChatTemplate {

  /**
   * The prompt text of {@code messages}; with {@code addGenerationPrompt} it ends with the opening
   * of an assistant turn, so the model continues as the assistant. This is the template's exact
   * output, as Hugging Face's {@code apply_chat_template(tokenize=False)} gives it (a leading
   * {@code bos_token} included).
   *
   * @throws ChatTemplateException when the template refuses the conversation ({@code
   *     raise_exception}) or fails
   */
  String render(List<ChatMessage> messages, boolean addGenerationPrompt);

  /**
   * The prompt text to tokenize: {@link #render} without a leading BOS token text, since the
   * tokenizer adds the BOS token to every text prompt itself.
   */
  default String prompt(List<ChatMessage> messages) {
    String text = render(messages, true);
    String bos = bosText();
    return !bos.isEmpty() && text.startsWith(bos) ? text.substring(bos.length()) : text;
  }

  /** Text of the BOS token the template writes as {@code bos_token}; "" when none. */
  default String bosText() {
    return "";
  }

  /**
   * Text that ends an assistant turn (e.g. {@code <|eot_id|>}, {@code <|im_end|>}): generation
   * stops there.
   */
  List<String> endOfTurn();

  /** Where the template came from, for logs and {@code /v1/models}. */
  String origin();
}
