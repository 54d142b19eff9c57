package dev.edgesplit.edge.http;

import dev.edgesplit.edge.chat.ChatMessage;
import java.util.List;
import java.util.Objects;

/**
 * A checked {@code /v1/chat/completions} or {@code /v1/completions} request.
 *
 * @param kind which endpoint
 * @param messages the conversation (chat), else empty
 * @param prompt the prompt text (completions with a text prompt), else null
 * @param promptTokens the prompt as token ids (completions with a token prompt), else null
 * @param maxTokens tokens to generate at most; 0 = until end of turn or the context is full
 * @param temperature 0 = greedy
 * @param topP nucleus sampling, (0, 1]
 * @param seed the sampler's seed
 * @param stop stop strings
 * @param stream answer as server-sent events
 * @param includeUsage add a usage chunk at the end of a stream
 * @param logprobs return each token's log probability
 */
record CompletionRequest(
    Kind kind,
    List<ChatMessage> messages,
    String prompt,
    int[] promptTokens,
    int maxTokens,
    float temperature,
    float topP,
    long seed,
    List<String> stop,
    boolean stream,
    boolean includeUsage,
    boolean logprobs) {

  enum Kind {
    CHAT("chat.completion"),
    COMPLETION("text_completion");

    private final String object;

    Kind(String object) {
      this.object = object;
    }

    /** The {@code object} field of a response. */
    String object() {
      return object;
    }

    /** The {@code object} field of a stream chunk. */
    String chunkObject() {
      return this == CHAT ? "chat.completion.chunk" : "text_completion";
    }
  }

  CompletionRequest {
    Objects.requireNonNull(kind, "kind");
    messages = List.copyOf(messages);
    stop = List.copyOf(stop);
  }
}
