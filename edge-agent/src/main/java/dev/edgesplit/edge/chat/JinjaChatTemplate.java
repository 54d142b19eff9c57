package dev.edgesplit.edge.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's own Jinja chat template, rendered with HubSpot's jinjava set up to behave like the
 * renderer of Hugging Face transformers ({@code apply_chat_template}): {@code trim_blocks} and
 * {@code lstrip_blocks} on, one trailing newline of the template dropped ({@code
 * keep_trailing_newline=False}), Python-like operator precedence (a filter binds tighter than
 * {@code +}), a {@code raise_exception(message)} function, and the variables {@code messages},
 * {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}. Thread-safe: each render
 * has its own interpreter.
 */
public final class JinjaChatTemplate implements ChatTemplate {

  /**
   * End-of-turn markers of well-known template families; a template's own are those its text
   * contains.
   */
  private static final List<String> TURN_MARKERS =
      List.of(
          "<|eot_id|>",
          "<|im_end|>",
          "<|end|>",
          "<end_of_turn>",
          "<|END_OF_TURN_TOKEN|>",
          "<|EOT|>",
          "<|end_of_turn|>",
          "<|eom_id|>");

  /**
   * A rendered prompt longer than this is refused: a template must not turn a small request into a
   * huge one.
   */
  private static final long MAX_OUTPUT_CHARS = 4L << 20;

  private final TemplateSource source;
  private final String template;
  private final Jinjava jinjava;
  private final List<String> endOfTurn;

  public JinjaChatTemplate(TemplateSource source) {
    this.source = source;
    String text = source.jinja();
    // jinja2 (keep_trailing_newline=False) drops one newline at the end of the template source.
    this.template = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withMaxOutputSize(MAX_OUTPUT_CHARS)
            .withLegacyOverrides(
                LegacyOverrides.newBuilder()
                    .withUseNaturalOperatorPrecedence(true)
                    .withParseWhitespaceControlStrictly(true)
                    .withUsePyishObjectMapper(true)
                    .withKeepNullableLoopValues(true)
                    .build())
            .build();
    this.jinjava = new Jinjava(config);
    try {
      jinjava
          .getGlobalContext()
          .registerFunction(
              new ELFunctionDefinition(
                  "",
                  "raise_exception",
                  JinjaChatTemplate.class.getDeclaredMethod("raiseException", String.class)));
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
    List<String> turns = new ArrayList<>();
    for (String marker : TURN_MARKERS) {
      if (template.contains(marker)) {
        turns.add(marker);
      }
    }
    if (!source.eosToken().isEmpty() && !turns.contains(source.eosToken())) {
      turns.add(source.eosToken());
    }
    this.endOfTurn = List.copyOf(turns);
  }

  /**
   * {@code raise_exception(message)} of Hugging Face's renderer: the template refuses the
   * conversation.
   */
  public static String raiseException(String message) {
    throw new TemplateRefusal(message);
  }

  @Override
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    List<Map<String, Object>> turns = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> turn = new LinkedHashMap<>();
      turn.put("role", m.role());
      turn.put("content", m.content());
      turns.add(turn);
    }
    Map<String, Object> bindings = new HashMap<>();
    bindings.put("messages", turns);
    bindings.put("add_generation_prompt", addGenerationPrompt);
    bindings.put("bos_token", source.bosToken());
    bindings.put("eos_token", source.eosToken());
    RenderResult result;
    try {
      result = jinjava.renderForResult(template, bindings);
    } catch (TemplateRefusal e) {
      throw new ChatTemplateException(
          "the model's chat template refused the messages: " + e.getMessage());
    } catch (RuntimeException e) {
      throw new ChatTemplateException("the model's chat template failed: " + e.getMessage(), e);
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException(describe(error));
      }
    }
    return result.getOutput();
  }

  private static String describe(TemplateError error) {
    Throwable cause = error.getException();
    while (cause != null) {
      if (cause instanceof TemplateRefusal) {
        return "the model's chat template refused the messages: " + cause.getMessage();
      }
      cause = cause.getCause();
    }
    String message = error.getMessage() == null ? "" : error.getMessage();
    return "the model's chat template failed at line " + error.getLineno() + ": " + message;
  }

  @Override
  public List<String> endOfTurn() {
    return endOfTurn;
  }

  @Override
  public String bosText() {
    return source.bosToken();
  }

  @Override
  public String origin() {
    return source.origin();
  }

  /** Thrown by {@code raise_exception}; found again in the cause chain of jinjava's error. */
  static final class TemplateRefusal extends RuntimeException {
    TemplateRefusal(String message) {
      super(message);
    }
  }
}
