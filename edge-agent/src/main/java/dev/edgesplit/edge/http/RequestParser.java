package dev.edgesplit.edge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgesplit.edge.chat.ChatMessage;
import dev.edgesplit.edge.http.CompletionRequest.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Checks an OpenAI request body field by field and builds a {@link CompletionRequest}, or fails
 * with a 400 naming the field ({@code param}), or a 404 for another model. Fields that would change
 * the answer but that this server does not implement (tools, several choices, penalties, logit
 * bias, top log probabilities ...) are refused, not ignored; harmless ones ({@code user}, {@code
 * metadata}, ...) are ignored. Stateless.
 */
final class RequestParser {

  /** Most stop strings, as Generate allows. */
  static final int MAX_STOP = 16;

  /** Default max_tokens of /v1/completions (OpenAI's). Chat has none: until end of turn. */
  static final int COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

  private static final Map<String, String> ROLES =
      Map.of("system", "system", "developer", "system", "user", "user", "assistant", "assistant");

  private final String modelId;

  RequestParser(String modelId) {
    this.modelId = modelId;
  }

  CompletionRequest parse(JsonNode body, Kind kind) {
    if (body == null || !body.isObject()) {
      throw ApiError.badRequest("the request body must be a JSON object", null).failure();
    }
    JsonNode model = body.get("model");
    if (model == null || !model.isTextual() || model.asText().isEmpty()) {
      throw ApiError.badRequest(
              "you must provide a model parameter (this agent serves '" + modelId + "')", "model")
          .failure();
    }
    if (!model.asText().equals(modelId)) {
      throw ApiError.notFound(
              "The model '"
                  + truncate(model.asText())
                  + "' does not exist; this agent serves '"
                  + modelId
                  + "'",
              "model_not_found")
          .failure();
    }
    refuseUnsupported(body, kind);
    List<ChatMessage> messages = List.of();
    String prompt = null;
    int[] promptTokens = null;
    if (kind == Kind.CHAT) {
      messages = messages(body.get("messages"));
    } else {
      JsonNode p = body.get("prompt");
      if (p != null && p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
        p = p.get(0);
      }
      if (p != null && p.isTextual()) {
        prompt = p.asText();
        if (prompt.isEmpty()) {
          throw ApiError.badRequest("prompt must not be empty", "prompt").failure();
        }
      } else if (p != null && p.isArray() && p.size() > 0 && p.get(0).isIntegralNumber()) {
        promptTokens = tokens(p);
      } else if (p != null && p.isArray()) {
        throw ApiError.unsupported(
                "prompt must be one string or one list of token ids: several prompts in one "
                    + "request are not supported",
                "prompt")
            .failure();
      } else {
        throw ApiError.badRequest("prompt is required: a string or a list of token ids", "prompt")
            .failure();
      }
    }
    int maxTokens = kind == Kind.COMPLETION ? COMPLETIONS_DEFAULT_MAX_TOKENS : 0;
    Integer limit = optionalInt(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
    if (limit == null) {
      limit = optionalInt(body, "max_tokens", 1, Integer.MAX_VALUE);
    }
    if (limit != null) {
      maxTokens = limit;
    }
    Integer n = optionalInt(body, "n", 1, 128);
    if (n != null && n != 1) {
      throw ApiError.unsupported("n must be 1: this server generates one choice per request", "n")
          .failure();
    }
    double temperature = optionalNumber(body, "temperature", 0, 2, 1);
    double topP = optionalNumber(body, "top_p", 0, 1, 1);
    if (topP == 0) {
      throw ApiError.badRequest("top_p must be in (0, 1]", "top_p").failure();
    }
    JsonNode seedNode = body.get("seed");
    long seed;
    if (seedNode == null || seedNode.isNull()) {
      seed = ThreadLocalRandom.current().nextLong();
    } else if (seedNode.isIntegralNumber() && seedNode.canConvertToLong()) {
      seed = seedNode.asLong();
    } else {
      throw ApiError.badRequest("seed must be an integer", "seed").failure();
    }
    boolean stream = optionalBoolean(body, "stream");
    boolean includeUsage = false;
    JsonNode options = body.get("stream_options");
    if (options != null && !options.isNull()) {
      if (!stream) {
        throw ApiError.badRequest(
                "stream_options is only allowed when stream is true", "stream_options")
            .failure();
      }
      if (!options.isObject()) {
        throw ApiError.badRequest("stream_options must be an object", "stream_options").failure();
      }
      includeUsage = optionalBoolean(options, "include_usage");
    }
    return new CompletionRequest(
        kind,
        messages,
        prompt,
        promptTokens,
        maxTokens,
        (float) temperature,
        (float) topP,
        seed,
        stops(body.get("stop")),
        stream,
        includeUsage,
        logprobs(body, kind));
  }

  private static boolean logprobs(JsonNode body, Kind kind) {
    JsonNode node = body.get("logprobs");
    if (kind == Kind.CHAT) {
      boolean on = optionalBoolean(body, "logprobs");
      Integer top = optionalInt(body, "top_logprobs", 0, 20);
      if (top != null && top > 0) {
        if (!on) {
          throw ApiError.badRequest("top_logprobs requires logprobs: true", "top_logprobs")
              .failure();
        }
        throw ApiError.unsupported(
                "top_logprobs must be 0: the cloud worker returns only the chosen token's "
                    + "log probability",
                "top_logprobs")
            .failure();
      }
      return on;
    }
    if (node == null || node.isNull()) {
      return false;
    }
    Integer top = optionalInt(body, "logprobs", 0, 5);
    if (top != null && top > 0) {
      throw ApiError.unsupported(
              "logprobs must be 0 (the chosen token's only): the cloud worker returns no "
                  + "alternatives",
              "logprobs")
          .failure();
    }
    return true;
  }

  private static void refuseUnsupported(JsonNode body, Kind kind) {
    JsonNode tools = body.get("tools");
    if (tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty())) {
      throw ApiError.unsupported("tools are not supported by this server", "tools").failure();
    }
    JsonNode functions = body.get("functions");
    if (functions != null && !functions.isNull()) {
      throw ApiError.unsupported("functions are not supported by this server", "functions")
          .failure();
    }
    JsonNode choice = body.get("tool_choice");
    if (choice != null
        && !choice.isNull()
        && !(choice.isTextual() && choice.asText().equals("none"))) {
      throw ApiError.unsupported("tool_choice is not supported by this server", "tool_choice")
          .failure();
    }
    JsonNode format = body.get("response_format");
    if (format != null && !format.isNull() && !"text".equals(format.path("type").asText())) {
      throw ApiError.unsupported("response_format must be text", "response_format").failure();
    }
    JsonNode bias = body.get("logit_bias");
    if (bias != null && !bias.isNull() && !(bias.isObject() && bias.isEmpty())) {
      throw ApiError.unsupported("logit_bias is not supported by this server", "logit_bias")
          .failure();
    }
    for (String penalty : List.of("frequency_penalty", "presence_penalty")) {
      if (optionalNumber(body, penalty, -2, 2, 0) != 0) {
        throw ApiError.unsupported(
                penalty + " must be 0: penalties are not supported by this server", penalty)
            .failure();
      }
    }
    if (kind == Kind.COMPLETION) {
      if (optionalBoolean(body, "echo")) {
        throw ApiError.unsupported("echo is not supported by this server", "echo").failure();
      }
      Integer bestOf = optionalInt(body, "best_of", 1, 20);
      if (bestOf != null && bestOf != 1) {
        throw ApiError.unsupported("best_of must be 1", "best_of").failure();
      }
      JsonNode suffix = body.get("suffix");
      if (suffix != null && !suffix.isNull() && !suffix.asText().isEmpty()) {
        throw ApiError.unsupported("suffix is not supported by this server", "suffix").failure();
      }
    }
  }

  private static List<ChatMessage> messages(JsonNode node) {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw ApiError.badRequest("messages must be a non-empty array", "messages").failure();
    }
    List<ChatMessage> messages = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      String param = "messages[" + i + "]";
      if (!m.isObject()) {
        throw ApiError.badRequest(param + " must be an object", param).failure();
      }
      String role = m.path("role").asText("");
      String mapped = ROLES.get(role.toLowerCase(Locale.ROOT));
      if (mapped == null) {
        throw ApiError.badRequest(
                param
                    + ".role must be system, developer, user or assistant, got '"
                    + truncate(role)
                    + "'",
                param + ".role")
            .failure();
      }
      messages.add(new ChatMessage(mapped, content(m.get("content"), mapped, param + ".content")));
    }
    return messages;
  }

  private static String content(JsonNode content, String role, String param) {
    if (content == null || content.isNull()) {
      if (role.equals("assistant")) {
        return "";
      }
      throw ApiError.badRequest(param + " is required", param).failure();
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : content) {
        if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw ApiError.unsupported(param + ": only text parts are supported", param).failure();
        }
        text.append(part.get("text").asText());
      }
      return text.toString();
    }
    throw ApiError.badRequest(param + " must be a string or an array of text parts", param)
        .failure();
  }

  private static int[] tokens(JsonNode array) {
    int[] ids = new int[array.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode id = array.get(i);
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
        throw ApiError.badRequest("prompt token ids must be integers >= 0", "prompt").failure();
      }
      ids[i] = id.asInt();
    }
    return ids;
  }

  private static List<String> stops(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (node.isTextual()) {
      return List.of(node.asText());
    }
    if (node.isArray() && node.size() <= MAX_STOP) {
      List<String> stops = new ArrayList<>();
      for (JsonNode s : node) {
        if (!s.isTextual()) {
          throw ApiError.badRequest("stop must be a string or an array of strings", "stop")
              .failure();
        }
        stops.add(s.asText());
      }
      return stops;
    }
    throw ApiError.badRequest(
            "stop must be a string or an array of at most " + MAX_STOP + " strings", "stop")
        .failure();
  }

  private static Integer optionalInt(JsonNode body, String field, int min, int max) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber()
        || !node.canConvertToLong()
        || node.asLong() < min
        || node.asLong() > max) {
      throw ApiError.badRequest(field + " must be an integer in [" + min + ", " + max + "]", field)
          .failure();
    }
    return (int) node.asLong();
  }

  private static double optionalNumber(
      JsonNode body, String field, double min, double max, double absent) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return absent;
    }
    if (!node.isNumber() || !(node.asDouble() >= min && node.asDouble() <= max)) {
      throw ApiError.badRequest(field + " must be a number in [" + min + ", " + max + "]", field)
          .failure();
    }
    return node.asDouble();
  }

  private static boolean optionalBoolean(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return false;
    }
    if (!node.isBoolean()) {
      throw ApiError.badRequest(field + " must be a boolean", field).failure();
    }
    return node.asBoolean();
  }

  /**
   * Client text echoed in an error, cut short: a hostile client must not make the answer (or a log)
   * huge.
   */
  static String truncate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 64) + "...";
  }
}
