package dev.edgesplit.edge.chat;

import java.util.Objects;

/**
 * A model's own chat template, as found in its files: the Jinja text and the special tokens it
 * refers to. {@link TokenizerConfigTemplates} reads one from {@code tokenizer_config.json}; a GGUF
 * reader supplies one from {@code tokenizer.chat_template} and {@code tokenizer.ggml.*_token_id}
 * through the same record.
 *
 * @param jinja the template text
 * @param bosToken text of the beginning-of-sequence token ("" when the model has none)
 * @param eosToken text of the end-of-sequence token ("" when the model has none)
 * @param origin where it was read, e.g. "tokenizer_config.json of /models/x"
 */
public record TemplateSource(String jinja, String bosToken, String eosToken, String origin) {

  public TemplateSource {
    Objects.requireNonNull(jinja, "jinja");
    Objects.requireNonNull(bosToken, "bosToken");
    Objects.requireNonNull(eosToken, "eosToken");
    Objects.requireNonNull(origin, "origin");
    if (jinja.isBlank()) {
      throw new IllegalArgumentException(origin + ": empty chat template");
    }
  }
}
