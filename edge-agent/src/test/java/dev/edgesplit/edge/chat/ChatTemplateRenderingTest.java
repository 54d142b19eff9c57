package dev.edgesplit.edge.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chat templates of Llama-3, Qwen2 and SmolLM2 (ChatML), Llama-2 and Mistral, taken as data
 * from the models' tokenizer_config.json (test resources chat-templates/, each naming its source),
 * rendered by jinjava as configured in {@link JinjaChatTemplate}, equal the reference renderings
 * that Python jinja2 gives when set up as Hugging Face's apply_chat_template
 * (chat-templates/make_references.py wrote the .txt and .error files).
 */
class ChatTemplateRenderingTest {

  static final String[] MODELS = {"llama-3", "qwen2", "smollm2", "llama-2", "mistral"};

  static Path dir() throws URISyntaxException {
    return Path.of(
            ChatTemplateRenderingTest.class
                .getResource("/chat-templates/conversations.json")
                .toURI())
        .getParent();
  }

  static Stream<Arguments> cases() throws Exception {
    JsonNode conversations =
        new ObjectMapper().readTree(dir().resolve("conversations.json").toFile());
    List<Arguments> cases = new ArrayList<>();
    for (String model : MODELS) {
      for (Iterator<String> names = conversations.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        cases.add(Arguments.of(model, name, conversations.get(name)));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void rendering_equalsHuggingFaceReference(String model, String conversation, JsonNode input)
      throws Exception {
    ChatTemplate template =
        new JinjaChatTemplate(
            TokenizerConfigTemplates.read(dir().resolve(model + ".tokenizer_config.json"))
                .orElseThrow());
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode m : input.get("messages")) {
      messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
    }
    boolean generationPrompt = input.get("add_generation_prompt").asBoolean();
    Path text = dir().resolve(model + "." + conversation + ".txt");
    Path error = dir().resolve(model + "." + conversation + ".error");
    if (Files.exists(text)) {
      assertThat(template.render(messages, generationPrompt))
          .isEqualTo(Files.readString(text, StandardCharsets.UTF_8));
    } else {
      assertThatThrownBy(() -> template.render(messages, generationPrompt))
          .isInstanceOf(ChatTemplateException.class)
          .hasMessageContaining(Files.readString(error, StandardCharsets.UTF_8));
    }
  }

  @Test
  void endOfTurn_comesFromTheTemplateAndItsEosToken() throws Exception {
    Map<String, List<String>> expected =
        Map.of(
            "llama-3",
            List.of("<|eot_id|>"),
            "qwen2",
            List.of("<|im_end|>"),
            "smollm2",
            List.of("<|im_end|>"),
            "llama-2",
            List.of("</s>"),
            "mistral",
            List.of("</s>"));
    for (String model : MODELS) {
      ChatTemplate template =
          new JinjaChatTemplate(
              TokenizerConfigTemplates.read(dir().resolve(model + ".tokenizer_config.json"))
                  .orElseThrow());
      assertThat(template.endOfTurn()).as(model).isEqualTo(expected.get(model));
    }
  }

  @Test
  void prompt_dropsTheLeadingBosText_becauseTheTokenizerAddsBos() throws Exception {
    ChatTemplate llama3 =
        new JinjaChatTemplate(
            TokenizerConfigTemplates.read(dir().resolve("llama-3.tokenizer_config.json"))
                .orElseThrow());
    String prompt = llama3.prompt(List.of(new ChatMessage("user", "Hi")));
    assertThat(prompt)
        .isEqualTo(
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
  }

  @Test
  void plainFallback_joinsContentsWithBlankLines() {
    ChatTemplate plain = new PlainChatTemplate();
    assertThat(
            plain.prompt(
                List.of(
                    new ChatMessage("system", "Be brief."), new ChatMessage("user", "Once upon"))))
        .isEqualTo("Be brief.\n\nOnce upon");
    assertThat(plain.endOfTurn()).isEmpty();
  }
}
