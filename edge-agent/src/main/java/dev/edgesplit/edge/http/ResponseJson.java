package dev.edgesplit.edge.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgesplit.edge.http.CompletionRequest.Kind;
import dev.edgesplit.proto.v1.FinishReason;
import dev.edgesplit.proto.v1.GenerationSummary;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * OpenAI's response and stream-chunk objects for one request: ids, choices, logprobs, usage,
 * errors, and the extra {@code edgesplit} object with the split's own numbers. Not thread-safe: one
 * per response.
 */
final class ResponseJson {

  /** A generated token with its log probability, for the {@code logprobs} of an answer. */
  record TokenLogprob(String text, float logprob) {}

  private final ObjectMapper json;
  private final Kind kind;
  private final String id;
  private final long created;
  private final String model;

  ResponseJson(ObjectMapper json, Kind kind, String id, long createdSeconds, String model) {
    this.json = json;
    this.kind = kind;
    this.id = id;
    this.created = createdSeconds;
    this.model = model;
  }

  /** The whole (non-streamed) answer. */
  ObjectNode response(
      String text, List<TokenLogprob> logprobs, boolean withLogprobs, GenerationSummary summary) {
    ObjectNode root = header(kind.object());
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0);
    if (kind == Kind.CHAT) {
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      message.put("content", text);
      message.putNull("refusal");
    } else {
      choice.put("text", text);
    }
    putLogprobs(choice, logprobs, withLogprobs);
    choice.put("finish_reason", finishReason(summary.getFinishReason()));
    root.set("usage", usage(summary));
    root.set("edgesplit", edgesplit(summary));
    return root;
  }

  /** The first chunk of a chat stream: the assistant role, no content yet. */
  ObjectNode roleChunk(boolean usageField) {
    ObjectNode chunk = chunk(usageField);
    ObjectNode delta = chunk.withArray("choices").addObject().put("index", 0).putObject("delta");
    delta.put("role", "assistant");
    delta.put("content", "");
    ((ObjectNode) chunk.get("choices").get(0)).putNull("logprobs");
    ((ObjectNode) chunk.get("choices").get(0)).putNull("finish_reason");
    return chunk;
  }

  /** A chunk with newly generated text (and the log probabilities of the tokens it came from). */
  ObjectNode textChunk(
      String text, List<TokenLogprob> logprobs, boolean withLogprobs, boolean usageField) {
    ObjectNode chunk = chunk(usageField);
    ObjectNode choice = chunk.withArray("choices").addObject().put("index", 0);
    if (kind == Kind.CHAT) {
      choice.putObject("delta").put("content", text);
    } else {
      choice.put("text", text);
    }
    putLogprobs(choice, logprobs, withLogprobs);
    choice.putNull("finish_reason");
    return chunk;
  }

  /** The last chunk with a choice: why it ended, and edgesplit's numbers. */
  ObjectNode finishChunk(GenerationSummary summary, boolean usageField) {
    ObjectNode chunk = chunk(usageField);
    ObjectNode choice = chunk.withArray("choices").addObject().put("index", 0);
    if (kind == Kind.CHAT) {
      choice.putObject("delta");
    } else {
      choice.put("text", "");
    }
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason(summary.getFinishReason()));
    chunk.set("edgesplit", edgesplit(summary));
    return chunk;
  }

  /** The chunk stream_options.include_usage asks for: no choices, the usage. */
  ObjectNode usageChunk(GenerationSummary summary) {
    ObjectNode chunk = header(kind.chunkObject());
    chunk.putArray("choices");
    chunk.set("usage", usage(summary));
    return chunk;
  }

  ObjectNode error(ApiError error) {
    ObjectNode root = json.createObjectNode();
    root.set("error", errorBody(json, error));
    return root;
  }

  static ObjectNode errorBody(ObjectMapper json, ApiError error) {
    ObjectNode body = json.createObjectNode();
    body.put("message", error.message());
    body.put("type", error.type());
    if (error.param() == null) {
      body.putNull("param");
    } else {
      body.put("param", error.param());
    }
    if (error.code() == null) {
      body.putNull("code");
    } else {
      body.put("code", error.code());
    }
    return body;
  }

  static String finishReason(FinishReason reason) {
    switch (reason) {
      case FINISH_REASON_MAX_TOKENS:
      case FINISH_REASON_CONTEXT_FULL:
        return "length";
      default:
        return "stop";
    }
  }

  private ObjectNode chunk(boolean usageField) {
    ObjectNode chunk = header(kind.chunkObject());
    if (usageField) {
      chunk.putNull("usage");
    }
    return chunk;
  }

  private ObjectNode header(String object) {
    ObjectNode root = json.createObjectNode();
    root.put("id", id);
    root.put("object", object);
    root.put("created", created);
    root.put("model", model);
    return root;
  }

  private void putLogprobs(ObjectNode choice, List<TokenLogprob> logprobs, boolean withLogprobs) {
    if (!withLogprobs) {
      choice.putNull("logprobs");
      return;
    }
    ObjectNode node = choice.putObject("logprobs");
    if (kind == Kind.CHAT) {
      ArrayNode content = node.putArray("content");
      for (TokenLogprob t : logprobs) {
        ObjectNode entry = content.addObject();
        entry.put("token", t.text());
        entry.put("logprob", t.logprob());
        ArrayNode bytes = entry.putArray("bytes");
        for (byte b : t.text().getBytes(StandardCharsets.UTF_8)) {
          bytes.add(b & 0xff);
        }
        entry.putArray("top_logprobs");
      }
    } else {
      ArrayNode tokens = node.putArray("tokens");
      ArrayNode values = node.putArray("token_logprobs");
      ArrayNode offsets = node.putArray("text_offset");
      int offset = 0;
      for (TokenLogprob t : logprobs) {
        tokens.add(t.text());
        values.add(t.logprob());
        offsets.add(offset);
        offset += t.text().length();
      }
      node.putNull("top_logprobs");
    }
  }

  private ObjectNode usage(GenerationSummary summary) {
    ObjectNode usage = json.createObjectNode();
    usage.put("prompt_tokens", summary.getPromptTokens());
    usage.put("completion_tokens", summary.getGeneratedTokens());
    usage.put("total_tokens", summary.getPromptTokens() + summary.getGeneratedTokens());
    return usage;
  }

  /**
   * The split's numbers, beside OpenAI's fields (clients ignore unknown fields; dashboards read
   * these).
   */
  private ObjectNode edgesplit(GenerationSummary s) {
    ObjectNode e = json.createObjectNode();
    e.put("cut", s.getCut());
    e.put("tokens_per_second", s.getTokensPerSecond());
    e.put("time_to_first_token_ms", s.getTimeToFirstTokenMs());
    e.put("edge_joules_per_token", s.getEdgeJoulesPerToken());
    e.put("edge_energy_source", s.getEdgeEnergySource().getKind());
    e.put("cloud_joules_per_token", s.getCloudJoulesPerToken());
    e.put("cloud_energy_source", s.getCloudEnergySource().getKind());
    e.put("edge_ms_per_token", s.getEdgeMsPerToken());
    e.put("link_ms_per_token", s.getLinkMsPerToken());
    e.put("cloud_ms_per_token", s.getCloudMsPerToken());
    e.put("bytes_sent_per_token", s.getBytesSentPerToken());
    e.put("finished_locally", s.getFinishedLocally());
    e.put("cloud_recoveries", s.getCloudRecoveries());
    return e;
  }
}
