package dev.edgesplit.edge.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Chooses the chat template an agent serves: an operator's file ({@code --chat-template}), else the
 * model's own, else {@link PlainChatTemplate}. Stateless.
 */
public final class ChatTemplates {

  private ChatTemplates() {}

  /**
   * @param override a Jinja file given by the operator, or null; it uses the model's BOS/EOS token
   *     texts
   * @param modelOwn the model's own template (from tokenizer_config.json or GGUF metadata), if any
   */
  public static ChatTemplate choose(Path override, Optional<TemplateSource> modelOwn) {
    if (override != null) {
      String jinja;
      try {
        jinja = Files.readString(override, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read chat template " + override, e);
      }
      String bos = modelOwn.map(TemplateSource::bosToken).orElse("");
      String eos = modelOwn.map(TemplateSource::eosToken).orElse("");
      return new JinjaChatTemplate(new TemplateSource(jinja, bos, eos, override.toString()));
    }
    return modelOwn.<ChatTemplate>map(JinjaChatTemplate::new).orElseGet(PlainChatTemplate::new);
  }
}
